/**
 * The one error boundary: every error becomes a catalogue response with the request id;
 * 4xx explain themselves, 5xx hide internals (the log has them, under the same id).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, openAIErrorType, type ErrorCode } from '../errors/catalogue.js';
import { databaseUnavailable } from '../storage/database-errors.js';

export function errorBody(error: AppError, requestId: string) {
  return {
    error: {
      code: error.code,
      message: error.message,
      hint: error.hint,
      type: openAIErrorType(error.status),
      retryable: error.retryable,
      request_id: requestId,
    },
  };
}

export function sendError(reply: FastifyReply, error: AppError): FastifyReply {
  const retryAfter = (error as { retryAfterSeconds?: number }).retryAfterSeconds;
  if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
  return reply.code(error.status).header('content-type', 'application/json; charset=utf-8').send(errorBody(error, String(reply.request.id)));
}

/** Fastify's own errors (body parsing, limits, validation) in catalogue terms. */
function fromFastifyError(error: FastifyError): AppError | undefined {
  if (error.validation) {
    return new AppError('VALIDATION_FAILED', `Invalid request: ${error.message}.`);
  }
  const byCode: Partial<Record<string, ErrorCode>> = {
    FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
    FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
    FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
    FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
    FST_ERR_CTP_INVALID_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  };
  const code = error.code ? byCode[error.code] : undefined;
  if (code) return new AppError(code, code === 'INVALID_JSON' ? `The request body is not valid JSON: ${error.message}` : undefined);
  if (error instanceof SyntaxError) return new AppError('INVALID_JSON', `The request body is not valid JSON: ${error.message}`);
  if (error.statusCode === 413) return new AppError('PAYLOAD_TOO_LARGE');
  if (error.statusCode === 415) return new AppError('UNSUPPORTED_MEDIA_TYPE');
  return undefined;
}

export function registerErrorBoundary(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const appError = error instanceof AppError ? error : fromFastifyError(error) ?? databaseUnavailable(error) ?? new AppError('INTERNAL_ERROR', undefined, { cause: error });
    if (appError.status >= 500) request.log.error({ err: error, code: appError.code }, appError.message);
    else request.log.info({ code: appError.code, detail: appError.message }, 'request refused');
    return sendError(reply, appError);
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, new AppError('ROUTE_NOT_FOUND', `There is no route ${request.method} ${request.url.split('?')[0]}.`)));
}

/**
 * Requests Node cannot parse (a Content-Length that does not match the body, broken headers)
 * never reach a route: they get the catalogue's shape here too, and the connection is closed.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: import('node:net').Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const appError = error.code === 'HPE_HEADER_OVERFLOW' ? new AppError('PAYLOAD_TOO_LARGE', 'The request headers are too large.') : new AppError('MALFORMED_REQUEST');
  const body = JSON.stringify(errorBody(appError, 'none'));
  socket.end(`HTTP/1.1 ${appError.status} ${appError.status === 413 ? 'Payload Too Large' : 'Bad Request'}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}
