/**
 * What a failed round trip to a dependency means, from its error text, and the fix. Shared by
 * `/health/detailed` (through `runHealthChecks`) and `sutazai doctor`, so both say the same
 * thing about the same failure. Only failures recognised for certain are explained here; the
 * doctor adds what needs more round trips (other ports, other names, another scheme).
 */

export type DependencyProblemCode =
  | 'NAME_NOT_RESOLVED'
  | 'BAD_CREDENTIALS'
  | 'MISSING_DATABASE'
  | 'VHOST_REFUSED'
  | 'SCHEME_MISMATCH'
  | 'TLS_UNTRUSTED';

export interface DependencyFailure {
  code: DependencyProblemCode;
  hint: string;
}

/** The setting each dependency kind is configured by, named in hints. */
const SETTINGS: Record<string, string> = {
  postgres: 'DATABASE_URL',
  redis: 'REDIS_URL',
  rabbitmq: 'AMQP_URL',
  ollama: 'OLLAMA_BASE_URL',
  'openai-compatible': 'OPENAI_BASE_URL',
  qdrant: 'QDRANT_URL',
  sutazai: 'SUTAZAI_URL',
};

export function settingOf(kind: string): string {
  return SETTINGS[kind] ?? 'its URL';
}

/**
 * Recognises a failure of a dependency of `kind` ("postgres", "redis", "rabbitmq", "ollama",
 * "openai-compatible", ...) from the message its client gave; undefined when it is not certain.
 */
export function explainDependencyFailure(kind: string, message: string, setting = settingOf(kind)): DependencyFailure | undefined {
  const text = message;
  const host = /(?:ENOTFOUND|EAI_AGAIN)\s+([^\s)]+)/.exec(text)?.[1];
  if (/\bENOTFOUND\b|\bEAI_AGAIN\b|getaddrinfo|does not resolve/.test(text)) {
    return { code: 'NAME_NOT_RESOLVED', hint: `The host name${host ? ` ${host}` : ''} in ${setting} does not resolve from here. Inside Docker Compose use the service name (the key under \`services:\`), not the container name; run \`sutazai doctor\` to list the names that do resolve.` };
  }
  if (kind === 'postgres') {
    const user = /(?:password authentication failed for user|role) "([^"]+)"/.exec(text)?.[1];
    if (/password authentication failed|28P01/.test(text)) {
      return { code: 'BAD_CREDENTIALS', hint: `PostgreSQL refused the password of user ${user ?? 'in the URL'}: correct the password in ${setting} (percent-encode @ : / in it), or reset it with ALTER ROLE ${user ?? '<user>'} PASSWORD '...'.` };
    }
    if (/role "[^"]+" does not exist/.test(text)) {
      return { code: 'BAD_CREDENTIALS', hint: `PostgreSQL has no role ${user}: correct the user name in ${setting}, or create it (CREATE ROLE ${user} LOGIN PASSWORD '...').` };
    }
    if (/no pg_hba\.conf entry/.test(text)) {
      return { code: 'BAD_CREDENTIALS', hint: `PostgreSQL's pg_hba.conf does not let this client address, user and database in: add a host line for them, or connect from an allowed network.` };
    }
    const database = /database "([^"]+)" does not exist/.exec(text)?.[1];
    if (database !== undefined) {
      return { code: 'MISSING_DATABASE', hint: `The database ${database} does not exist on that server: create it (createdb ${database}, or POSTGRES_DB=${database} for the postgres image), or correct the name at the end of ${setting}.` };
    }
    if (/does not support SSL/i.test(text)) {
      return { code: 'SCHEME_MISMATCH', hint: `The server does not speak TLS: remove sslmode=require (or ssl=true) from ${setting}.` };
    }
  }
  if (kind === 'redis') {
    if (/WRONGPASS|invalid password|invalid username-password/i.test(text)) {
      return { code: 'BAD_CREDENTIALS', hint: `Redis refused the user name or password: correct them in ${setting} (redis://user:password@host:6379, or redis://:password@host:6379 for the default user).` };
    }
    if (/NOAUTH/.test(text)) {
      return { code: 'BAD_CREDENTIALS', hint: `Redis requires a password and ${setting} has none: write it as redis://:password@host:6379 (or with a user: redis://user:password@host:6379).` };
    }
  }
  if (kind === 'rabbitmq') {
    if (/\b403\b|ACCESS.REFUSED/.test(text)) {
      return { code: 'BAD_CREDENTIALS', hint: `RabbitMQ refused the user name or password (403 ACCESS_REFUSED): correct them in ${setting}. The guest user may sign in from localhost only; create a user for other hosts (rabbitmqctl add_user, set_permissions).` };
    }
    if (/\b530\b|NOT_ALLOWED|ConnectionClose/.test(text)) {
      return { code: 'VHOST_REFUSED', hint: `RabbitMQ refused the virtual host: it does not exist or the user has no permission on it. Correct the path of ${setting} (amqp://user:pass@host:5672 for the default "/", %2F-encoded otherwise) or grant it (rabbitmqctl set_permissions -p <vhost> <user> ".*" ".*" ".*").` };
    }
  }
  if (/wrong version number|packet length too long|EPROTO|ERR_SSL_WRONG_VERSION/i.test(text)) {
    return { code: 'SCHEME_MISMATCH', hint: `The server speaks plain text, not TLS: use http:// (or the non-TLS scheme) in ${setting}.` };
  }
  if (/self[- ]signed certificate|unable to verify the first certificate|UNABLE_TO_GET_ISSUER_CERT|CERT_HAS_EXPIRED|ERR_TLS_CERT_ALTNAME_INVALID|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN/i.test(text)) {
    return { code: 'TLS_UNTRUSTED', hint: `The server's TLS certificate is not trusted here: give Node the CA that signed it (NODE_EXTRA_CA_CERTS=/path/ca.pem), or use a certificate for the host name in ${setting}.` };
  }
  return undefined;
}
