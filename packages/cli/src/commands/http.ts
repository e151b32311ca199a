/** Talking to a running server, with errors a person can act on. */
let token: string | undefined;

export function setToken(value: string | undefined): void {
  token = value;
}

export async function request(url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  try {
    return await fetch(url, { ...init, headers });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new Error(`Cannot reach SutazAI at ${new URL(url).origin} (${cause}). Start it with \`sutazai serve\` (or npm start), or pass --url.`);
  }
}

export async function failure(response: Response): Promise<string> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string; hint?: string } };
    if (body.error?.code === 'UNAUTHENTICATED') return `${body.error.code}: ${body.error.message}\nHint: pass --token with an API key (create one with POST /api/v1/auth/api-keys) or set SUTAZAI_API_KEY.`;
    if (body.error) return `${body.error.code}: ${body.error.message}${body.error.hint ? `\nHint: ${body.error.hint}` : ''}`;
  } catch {
    // not JSON: show it as it came
  }
  return `HTTP ${response.status}: ${text.slice(0, 500)}`;
}
