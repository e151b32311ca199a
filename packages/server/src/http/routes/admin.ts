import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AdminCreateUserRequest, AdminSettings, AdminUpdateUserRequest, ErrorResponse, User, UserList } from '@sutazai/contracts';
import type { AuthService } from '../../auth/auth-service.js';
import { AppError } from '../../errors/catalogue.js';
import { principal } from './auth.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

export function adminRoutes(auth: AuthService) {
  return async (app: FastifyInstance) => {
    const api = app.withTypeProvider<TypeBoxTypeProvider>();
    // Every route here is for administrators only.
    app.addHook('preHandler', async (request: FastifyRequest) => {
      if (principal(request).role !== 'admin') throw new AppError('FORBIDDEN');
    });

    api.get('/api/v1/admin/users', { schema: { tags: ['admin'], summary: 'Every account', response: { 200: UserList, ...errors } } },
      async () => ({ items: await auth.listUsers() }));

    api.post('/api/v1/admin/users', {
      bodyLimit: 16 * 1024,
      schema: { tags: ['admin'], summary: 'Create an account with a role', body: AdminCreateUserRequest, response: { 201: User, ...errors } },
    }, async (request, reply) => reply.code(201).send(await auth.createUser({ ...request.body, role: request.body.role ?? 'user' })));

    api.patch('/api/v1/admin/users/:id', {
      bodyLimit: 16 * 1024,
      schema: {
        tags: ['admin'], summary: 'Change a role, disable or enable, or reset a password (which signs the user out everywhere)',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }), body: AdminUpdateUserRequest, response: { 200: User, ...errors },
      },
    }, async (request) => auth.updateUser(principal(request), request.params.id, request.body));

    api.get('/api/v1/admin/settings', { schema: { tags: ['admin'], summary: 'Instance settings', response: { 200: AdminSettings, ...errors } } },
      async () => ({ signup_policy: await auth.signupPolicy() }));

    api.put('/api/v1/admin/settings', {
      bodyLimit: 16 * 1024,
      schema: { tags: ['admin'], summary: 'Change instance settings', body: AdminSettings, response: { 200: AdminSettings, ...errors } },
    }, async (request) => {
      await auth.setSignupPolicy(request.body.signup_policy);
      return { signup_policy: await auth.signupPolicy() };
    });
  };
}
