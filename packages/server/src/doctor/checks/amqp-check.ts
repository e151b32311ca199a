/** AMQP_URL: resolve, connect, the AMQP 0-9-1 handshake, sign-in, virtual host, the broker's version. */
import { explainDependencyFailure } from '../../health/dependency-hints.js';
import { recordCheck } from '../check-recorder.js';
import type { DoctorCheck } from '../doctor-report.js';
import { identifyServer } from '../identify-server.js';
import { elapsed } from '../network.js';
import { reach, type DoctorContext } from '../reach.js';
import { maskUrl } from '../service-kinds.js';
import { checkLatency, clause, wrongKind } from './check-helpers.js';

export async function checkAmqp(url: URL, context: DoctorContext): Promise<DoctorCheck> {
  const check = recordCheck({ name: 'job-queue', setting: 'AMQP_URL', kind: 'rabbitmq', target: maskUrl(url) });
  const reached = await reach(check, context, url);
  if (!reached) return check.finish();

  const { default: amqp } = await import('amqplib');
  const username = decodeURIComponent(url.username) || 'guest';
  const vhost = url.pathname && url.pathname !== '/' ? decodeURIComponent(url.pathname.slice(1)) : '/';
  const started = performance.now();
  try {
    const connection = await amqp.connect(
      { protocol: url.protocol.slice(0, -1), hostname: reached.address, port: reached.port, username, password: decodeURIComponent(url.password) || 'guest', vhost, heartbeat: 0 },
      { timeout: context.timeoutMs, servername: reached.hostname },
    );
    const latency = elapsed(started);
    connection.on('error', () => undefined);
    const server = connection.connection.serverProperties;
    check.step('handshake', true, 'AMQP 0-9-1', latency);
    check.step('authenticate', true, `signed in as ${username}, virtual host ${vhost}`);
    check.version = `${server.product ?? 'AMQP broker'} ${server.version ?? ''}`.trim();
    check.step('version', true, check.version);
    checkLatency(check, context, latency);
    await connection.close().catch(() => undefined);
    return check.finish();
  } catch (error) {
    const message = (error as Error).message;
    const known = explainDependencyFailure('rabbitmq', message);
    if (known) {
      check.step('handshake', true, 'AMQP 0-9-1');
      check.step('authenticate', false, message);
      check.problem(known.code, `RabbitMQ refused the connection: ${clause(message)}.`, known.hint);
      return check.finish();
    }
    check.step('handshake', false, message);
    const identity = await identifyServer(reached.address, reached.port, { timeoutMs: context.timeoutMs, hostname: reached.hostname, fetch: context.fetch });
    if (identity.protocol !== 'amqp') wrongKind(check, reached, identity);
    else check.problem('PROTOCOL_ERROR', `RabbitMQ at ${reached.hostname}:${reached.port} broke off the handshake: ${clause(message)}.`, 'Check amqps:// (TLS, port 5671) against amqp:// (5672) and the broker log.');
    return check.finish();
  }
}
