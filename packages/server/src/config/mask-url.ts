/**
 * A URL for printing (logs, errors, `config check`, the doctor, migrate): its password
 * replaced by `****`. Text that does not parse as a URL is often what the message is about
 * (`postgres://user:secret@host:badport/db`), so its password is masked too.
 */
export function maskUrl(url: string | URL): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '****';
    return parsed.toString();
  } catch {
    return String(url).replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/?#]*):[^@]*@/i, '$1:****@');
  }
}
