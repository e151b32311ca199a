import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';
import { ErrorResponse } from '@sutazai/contracts';

type SerializerFactory = NonNullable<NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildSerializer']>;

// Fastify's own default, resolved from fastify itself so the two always match.
const { SerializerSelector } = createRequire(import.meta.resolve('fastify'))('@fastify/fast-json-stringify-compiler') as { SerializerSelector: () => SerializerFactory };

/**
 * Response serializers: Fastify's (fast-json-stringify) for answers, plain JSON.stringify for
 * the error body. Every route lists the error statuses it may answer, for the OpenAPI
 * document; compiling a serializer for each of them was a quarter of the start-up, and
 * `errorBody` builds the error in exactly the schema's shape anyway.
 */
export const buildSerializer: SerializerFactory = (externalSchemas, options) => {
  const compile = SerializerSelector()(externalSchemas, options);
  return (route) => ((route.schema as { $id?: string } | undefined)?.$id === ErrorResponse.$id ? JSON.stringify : compile(route));
};
