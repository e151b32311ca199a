/** Types of token-server.mjs, for TypeScript callers such as its test. */
export declare const BENCH_MODEL: 'bench-model';
export declare function benchToken(index: number): string;
export declare function benchTokens(count: number): string[];
export interface TokenServer {
  url: string;
  /** `url` + `/v1`: what an OpenAI client takes as its baseURL. */
  baseURL: string;
  close(): Promise<void>;
}
export declare function startTokenServer(options?: { port?: number; host?: string; tokens?: number; intervalMs?: number }): Promise<TokenServer>;
/** Writes `body` as a JSON response with `status`. */
export declare function sendJson(response: import('node:http').ServerResponse, status: number, body: unknown): void;
/** An OpenAI-style error body. */
export declare function openAIError(message: string, type: string, code?: string | null): { error: { message: string; type: string; param: null; code: string | null } };
