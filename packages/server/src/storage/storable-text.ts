/**
 * PostgreSQL cannot store NUL (U+0000) in a text column; SQLite can. Text that reaches storage
 * from model output, parsed documents or an older SQLite installation drops it, so both
 * databases hold the same (requests carrying one are refused by the JSON parser instead).
 */
export function withoutNul(text: string): string {
  return text.replaceAll('\0', '');
}
