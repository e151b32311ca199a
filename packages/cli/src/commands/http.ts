/** Talking to a running server, with errors a person can act on. */
export async function request(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new Error(`Cannot reach SutazAI at ${new URL(url).origin} (${cause}). Start it with \`sutazai serve\` (or npm start), or pass --url.`);
  }
}

export async function failure(response: Response): Promise<string> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string; hint?: string } };
    if (body.error) return `${body.error.code}: ${body.error.message}${body.error.hint ? `\nHint: ${body.error.hint}` : ''}`;
  } catch {
    // not JSON: show it as it came
  }
  return `HTTP ${response.status}: ${text.slice(0, 500)}`;
}
