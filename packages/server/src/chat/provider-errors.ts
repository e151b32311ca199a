import { AppError, type ErrorCode } from '../errors/catalogue.js';
import { ProviderError, type ProviderErrorKind } from '../llm/provider.js';

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
  if (error instanceof ProviderError) return new AppError(codes[error.kind], `${error.provider}: ${error.message}`, { cause: error });
  return new AppError('INTERNAL_ERROR', undefined, { cause: error });
}
