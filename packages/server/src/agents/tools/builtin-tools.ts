import type { HealthDetailedResponse } from '@sutazai/contracts';
import { createCalculatorTool } from './calculator.js';
import { createCurrentTimeTool } from './current-time.js';
import { createHttpFetchTool } from './http-fetch.js';
import { createSystemHealthTool } from './system-health.js';
import type { BuiltinTool } from './tool-registry.js';

export interface BuiltinToolsOptions {
  /** The guarded fetch (`platform.outboundFetch`). */
  fetch: typeof fetch;
  /** HTTP_FETCH_ENABLED, HTTP_FETCH_MAX_BYTES, HTTP_FETCH_TIMEOUT_MS. */
  httpFetch: { enabled: boolean; maxBytes: number; timeoutMs: number };
  /** The probes of `/health/detailed`. */
  health: () => Promise<HealthDetailedResponse>;
}

/**
 * The tools every server has. http_fetch is listed but off unless the administrator turns it
 * on: it reaches the network on the model's say-so. (knowledge_search comes with knowledge bases.)
 */
export function createBuiltinTools(options: BuiltinToolsOptions): BuiltinTool[] {
  return [
    { tool: createCalculatorTool(), enabled: true },
    { tool: createCurrentTimeTool(), enabled: true },
    { tool: createHttpFetchTool({ fetch: options.fetch, maxBytes: options.httpFetch.maxBytes, timeoutMs: options.httpFetch.timeoutMs }), enabled: options.httpFetch.enabled },
    { tool: createSystemHealthTool({ check: options.health }), enabled: true },
  ];
}
