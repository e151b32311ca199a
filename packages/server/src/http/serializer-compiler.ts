import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';
import { ErrorResponse } from '@sutazai/contracts';

type SerializerFactory = NonNullable<NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildSerializer']>;
type Serialize = (data: unknown) => string;

// Fastify's own default, resolved from fastify itself so the two always match. Loaded with the
// first answer that needs it: fast-json-stringify brings Ajv, a tenth of a second of start-up.
let defaultSelector: (() => SerializerFactory) | undefined;
function fastifySerializerSelector(): () => SerializerFactory {
  defaultSelector ??= (createRequire(import.meta.resolve('fastify'))('@fastify/fast-json-stringify-compiler') as { SerializerSelector: () => SerializerFactory }).SerializerSelector;
  return defaultSelector;
}

/**
 * Response serializers: Fastify's (fast-json-stringify) for answers, plain JSON.stringify for
 * the error body. Every route lists the error statuses it may answer, for the OpenAPI
 * document; compiling a serializer for each of them was a quarter of the start-up, and
 * `errorBody` builds the error in exactly the schema's shape anyway.
 *
 * With `compileOnFirstUse` each answer's serializer is compiled when its route first sends
 * it: compiling them all was a fifth of the start-up, and most routes of a running server are
 * rarely or never called. A schema fast-json-stringify cannot compile then fails that answer
 * instead of the start-up; `schema-compilers.test.ts` compiles every route's at start.
 */
export function createSerializerFactory({ compileOnFirstUse }: { compileOnFirstUse: boolean }): SerializerFactory {
  return (externalSchemas, options) => {
    let compiler: ReturnType<SerializerFactory> | undefined;
    const compile = (route: Parameters<ReturnType<SerializerFactory>>[0]) => {
      compiler ??= fastifySerializerSelector()()(externalSchemas, options);
      return compiler(route) as Serialize;
    };
    return (route) => {
      if ((route.schema as { $id?: string } | undefined)?.$id === ErrorResponse.$id) return JSON.stringify;
      if (!compileOnFirstUse) return compile(route);
      let serialize: Serialize | undefined;
      return (data: unknown) => (serialize ??= compile(route))(data);
    };
  };
}
