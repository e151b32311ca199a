/** REDIS_URL: resolve, connect, AUTH, PING, SELECT, the server's version. */
import { explainDependencyFailure } from '../../health/dependency-hints.js';
import { recordCheck } from '../check-recorder.js';
import type { DoctorCheck } from '../doctor-report.js';
import { identifyServer } from '../identify-server.js';
import { elapsed } from '../network.js';
import { reach, type DoctorContext } from '../reach.js';
import { maskUrl } from '../service-kinds.js';
import { checkLatency, clause, wrongKind } from './check-helpers.js';
import { openRespSession, type RespSession } from './resp-session.js';

export async function checkRedis(url: URL, context: DoctorContext): Promise<DoctorCheck> {
  const check = recordCheck({ name: 'redis', setting: 'REDIS_URL', kind: 'redis', target: maskUrl(url) });
  const reached = await reach(check, context, url);
  if (!reached) return check.finish();

  let session: RespSession | undefined;
  try {
    session = await openRespSession(reached.address, reached.port, { tls: url.protocol === 'rediss:', servername: reached.hostname, timeoutMs: context.timeoutMs });
    const username = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    const started = performance.now();
    if (password) {
      const auth = await session.command('AUTH', ...(username ? [username] : []), password);
      if (auth.kind === 'error' && /without any password configured/i.test(auth.text)) {
        check.note('REDIS_URL has a password but this Redis asks for none (AUTH: "no password configured"); it is ignored.');
      } else if (auth.kind === 'error') {
        check.step('handshake', true, 'RESP');
        check.step('authenticate', false, auth.text);
        authProblem(check, auth.text);
        return check.finish();
      }
    }
    const ping = await session.command('PING');
    const latency = elapsed(started);
    if (ping.kind === 'error') {
      check.step('handshake', true, 'RESP');
      check.step('authenticate', false, ping.text);
      authProblem(check, ping.text);
      return check.finish();
    }
    check.step('handshake', true, `PING → ${ping.text}`, latency);
    check.step('authenticate', true, password ? `AUTH${username ? ` as ${username}` : ''} accepted` : 'no password needed');
    const database = url.pathname.replace(/^\//, '');
    if (database) {
      const select = await session.command('SELECT', database);
      if (select.kind === 'error') check.problem('PROTOCOL_ERROR', `Redis refused database ${database}: ${select.text}.`, 'Use a database number the server has (0 to 15 by default) at the end of REDIS_URL, or none.');
    }
    const info = await session.command('INFO', 'server');
    const version = /redis_version:(\S+)/.exec(info.text)?.[1] ?? /valkey_version:(\S+)/.exec(info.text)?.[1];
    check.version = version ? `Redis ${version}` : null;
    check.step('version', version !== undefined, version ? `Redis ${version}` : `INFO answered: ${info.text.slice(0, 80)}`);
    checkLatency(check, context, latency);
    return check.finish();
  } catch (error) {
    const message = (error as Error).message;
    check.step('handshake', false, message);
    const known = explainDependencyFailure('redis', message);
    if (known) {
      check.problem(known.code, `The Redis handshake failed: ${clause(message)}.`, known.hint);
      return check.finish();
    }
    const identity = await identifyServer(reached.address, reached.port, { timeoutMs: context.timeoutMs, hostname: reached.hostname, fetch: context.fetch });
    if (identity.protocol !== 'redis') wrongKind(check, reached, identity);
    else check.problem('PROTOCOL_ERROR', `Redis at ${reached.hostname}:${reached.port} broke off: ${clause(message)}.`, 'Check rediss:// (TLS) against redis:// and the server log.');
    return check.finish();
  } finally {
    session?.close();
  }
}

function authProblem(check: ReturnType<typeof recordCheck>, text: string): void {
  const known = explainDependencyFailure('redis', text);
  check.problem(known?.code ?? 'BAD_CREDENTIALS', `Redis refused: ${clause(text)}.`, known?.hint ?? 'Correct the user name and password in REDIS_URL.');
}
