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
