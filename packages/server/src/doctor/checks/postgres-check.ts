/** DATABASE_URL on PostgreSQL: resolve, connect, the protocol handshake, sign-in, version, pgvector. */
import { explainDependencyFailure } from '../../health/dependency-hints.js';
import { recordCheck } from '../check-recorder.js';
import type { DoctorCheck } from '../doctor-report.js';
import { identifyServer } from '../identify-server.js';
import { elapsed } from '../network.js';
import { reach, type DoctorContext } from '../reach.js';
import { maskUrl } from '../service-kinds.js';
import { addressUrl, checkLatency, clause, wrongKind } from './check-helpers.js';

/** `needsVector`: VECTOR_STORE=pgvector, so pgvector missing is a problem, not a note. */
export async function checkPostgres(url: URL, context: DoctorContext, needsVector = false): Promise<DoctorCheck> {
  const check = recordCheck({ name: 'database', setting: 'DATABASE_URL', kind: 'postgres', target: maskUrl(url) });
  const reached = await reach(check, context, url);
  if (!reached) return check.finish();

  const { default: pg } = await import('pg');
  // The address the doctor resolved, so a test resolver (or /etc/hosts) decides where it goes.
  const client = new pg.Client({ connectionString: addressUrl(url, reached.address), connectionTimeoutMillis: context.timeoutMs, query_timeout: context.timeoutMs });
  client.on('error', () => undefined);
  const user = decodeURIComponent(url.username) || '(the default user)';
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || '(the user\'s own)';
  try {
    const started = performance.now();
    try {
      await client.connect();
    } catch (error) {
      const message = (error as Error).message;
      const sqlState = (error as { code?: unknown }).code;
      if (typeof sqlState === 'string' && /^[0-9A-Z]{5}$/.test(sqlState)) {
        // The server answered in its own protocol: the handshake worked, signing in did not.
        check.step('handshake', true, 'PostgreSQL protocol');
        check.step('authenticate', false, `${message} (SQLSTATE ${sqlState})`);
        const known = explainDependencyFailure('postgres', message);
        if (known) check.problem(known.code, `PostgreSQL refused the connection: ${clause(message)}.`, known.hint);
        else check.problem('PROTOCOL_ERROR', `PostgreSQL refused the connection: ${clause(message)} (SQLSTATE ${sqlState}).`, 'Read the PostgreSQL server log for the reason, then correct DATABASE_URL or the server.');
        return check.finish();
      }
      check.step('handshake', false, message);
      const known = explainDependencyFailure('postgres', message);
      if (known) {
        check.problem(known.code, `The PostgreSQL handshake failed: ${clause(message)}.`, known.hint);
        return check.finish();
      }
      const identity = await identifyServer(reached.address, reached.port, { timeoutMs: context.timeoutMs, hostname: reached.hostname, fetch: context.fetch });
      if (identity.protocol !== 'postgres') wrongKind(check, reached, identity);
      else check.problem('PROTOCOL_ERROR', `PostgreSQL at ${reached.hostname}:${reached.port} broke off the handshake: ${clause(message)}.`, 'Read the PostgreSQL server log; check the sslmode in DATABASE_URL against the server.');
      return check.finish();
    }
    check.step('handshake', true, 'PostgreSQL protocol', elapsed(started));
    check.step('authenticate', true, `signed in as ${user} to database ${database}`);
    const queried = performance.now();
    const { rows } = await client.query<{ server_version: string }>('show server_version');
    const latency = elapsed(queried);
    check.version = `PostgreSQL ${rows[0]?.server_version ?? '?'}`;
    check.step('version', true, check.version, latency);
    checkLatency(check, context, latency);
    const vector = await client.query<{ available: boolean }>(`select exists(select 1 from pg_available_extensions where name = 'vector') as available`).catch(() => undefined);
    if (vector && !vector.rows[0]?.available) {
      const message = 'pgvector is not installed on this server: the PostgreSQL vector index needs it.';
      if (needsVector) check.problem('WRONG_SERVER_KIND', `VECTOR_STORE=pgvector, but ${message}`, 'Run PostgreSQL from an image with pgvector (pgvector/pgvector:pg16) or install the postgresql-16-pgvector package, or choose another VECTOR_STORE.');
      else check.note(`${message.slice(0, -1)} (VECTOR_STORE=pgvector); an image with it: pgvector/pgvector:pg16.`);
    }
    const schema = url.searchParams.get('schema');
    if (schema) check.note(`tables live in schema ${schema} (created at start-up if missing)`);
    return check.finish();
  } catch (error) {
    check.step('version', false, (error as Error).message);
    check.problem('PROTOCOL_ERROR', `PostgreSQL signed in but a query failed: ${(error as Error).message}.`, 'Check the user\'s rights on the database.');
    return check.finish();
  } finally {
    await client.end().catch(() => undefined);
  }
}
