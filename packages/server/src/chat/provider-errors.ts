import { AppError, type ErrorCode } from '../errors/catalogue.js';
import { ProviderError, type ProviderErrorKind } from '../llm/provider.js';
import { OutboundRequestBlockedError } from '../net/outbound-guard.js';

const codes: Record<ProviderErrorKind, ErrorCode> = {
  unreachable: 'PROVIDER_UNREACHABLE',
  timeout: 'PROVIDER_TIMEOUT',
  protocol: 'PROVIDER_PROTOCOL_ERROR',
  upstream: 'PROVIDER_ERROR',
  'model-not-found': 'MODEL_NOT_FOUND',
  aborted: 'GENERATION_STOPPED',
};

/** Maps whatever a generation threw to a catalogue error a user can act on. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const blocked = findCause(error, OutboundRequestBlockedError);
  if (blocked) return new AppError('OUTBOUND_REQUEST_BLOCKED', blocked.detail, { hint: blocked.hint, cause: error });
  if (error instanceof ProviderError) return new AppError(codes[error.kind], `${error.provider}: ${error.message}`, { cause: error });
  return new AppError('INTERNAL_ERROR', undefined, { cause: error });
}

/** The first error of this class in the cause chain. */
function findCause<T extends Error>(error: unknown, type: new (...args: never[]) => T): T | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 8; current = current.cause, depth++) {
    if (current instanceof type) return current;
  }
  return undefined;
}
