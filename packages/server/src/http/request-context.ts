/**
 * Who is asking. Until accounts exist every request acts for the single local owner; the
 * accounts issue replaces this hook with authentication, and routes keep reading
 * `request.ownerId`.
 */
import type { FastifyInstance } from 'fastify';
import { LOCAL_OWNER_ID } from '../platform.js';

declare module 'fastify' {
  interface FastifyRequest {
    ownerId: string;
  }
}

export function registerRequestContext(app: FastifyInstance): void {
  app.decorateRequest('ownerId', '');
  app.addHook('onRequest', async (request, reply) => {
    request.ownerId = LOCAL_OWNER_ID;
    reply.header('x-request-id', request.id);
  });
}
