/**
 * Why `sutazai migrate` stopped before copying: bad input (an option, a file, a server that does
 * not answer, a vector store that cannot take the vectors) or a target it refuses (it holds data
 * of another installation). Shown as one line: what is wrong, then the fix.
 */
export type MigrationErrorKind = 'input' | 'refused';

export class MigrationError extends Error {
  readonly kind: MigrationErrorKind;
  readonly fix: string;

  constructor(kind: MigrationErrorKind, problem: string, fix: string, options?: { cause?: unknown }) {
    super(`${problem} Fix: ${fix}`, options);
    this.name = 'MigrationError';
    this.kind = kind;
    this.fix = fix;
  }
}
