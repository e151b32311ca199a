import type { FastifySchemaCompiler, FastifyServerOptions } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';

type ValidatorFactory = NonNullable<NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildValidator']>;
type SchemaCompiler = FastifySchemaCompiler<TSchema>;

/**
 * Request validators: TypeBox compiles the contract schemas itself, much faster at start-up
 * than Ajv, with the same checks. Given to Fastify as its validator factory, so Fastify does not
 * load its default (Ajv) at all. With `compileOnFirstUse` each is compiled when its route is
 * first called, as the response serializers are (see serializer-compiler.ts).
 */
export function createValidatorFactory({ compileOnFirstUse }: { compileOnFirstUse: boolean }): ValidatorFactory {
  const compiler = compileOnFirstUse ? onFirstUse(TypeBoxValidatorCompiler) : TypeBoxValidatorCompiler;
  // Fastify types the factory's product as Ajv's compile; it calls it as any schema compiler.
  return (() => compiler) as unknown as ValidatorFactory;
}

function onFirstUse(compile: SchemaCompiler): SchemaCompiler {
  return (route) => {
    let validate: ReturnType<SchemaCompiler> | undefined;
    return (value: unknown) => (validate ??= compile(route))(value);
  };
}
