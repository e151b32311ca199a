/**
 * The only addresses a reply may link to: http(s), mailto and links within the page. Anything
 * else (javascript:, data:, vbscript:, file:, ...) becomes '' and is shown as plain text.
 */
const ALLOWED_SCHEMES = new Set(['http:', 'https:', 'mailto:']);

export function safeUrl(value: string): string {
  const url = value.trim();
  if (url === '') return '';
  // Control characters and whitespace inside a scheme ("java\tscript:") are how filters get fooled.
  // eslint-disable-next-line no-control-regex
  const compact = url.replace(/[\u0000-\u0020\u007f-\u009f]/g, '');
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(compact);
  if (scheme) return ALLOWED_SCHEMES.has(`${scheme[1]!.toLowerCase()}:`) ? url : '';
  // No scheme: a fragment or a path on this site.
  if (compact.startsWith('//')) return '';
  return url;
}

/** True for links that leave this site; they open in a new tab without a referrer. */
export function isExternal(url: string): boolean {
  return /^(https?:)?\/\//i.test(url) || /^mailto:/i.test(url);
}
