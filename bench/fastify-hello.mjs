/**
 * The baseline server: bare Fastify (the same copy SutazAI uses, resolved from
 * packages/server) answering `GET /health` with the same JSON body as SutazAI's liveness
 * route, no logger, no plugins. Whatever SutazAI costs beyond this is SutazAI's own.
 *
 * Env: HOST (default 127.0.0.1), PORT (default 0). Prints `{"url": ...}` when listening.
 */
import { createRequire } from 'node:module';

const require = createRequire(new URL('../packages/server/package.json', import.meta.url));
const { default: Fastify } = await import(require.resolve('fastify'));

const app = Fastify({ logger: false });
app.get('/health', async () => ({ status: 'healthy', app: 'SutazAI Platform API' }));

const host = process.env.HOST ?? '127.0.0.1';
await app.listen({ host, port: Number(process.env.PORT ?? 0) });
process.stdout.write(`${JSON.stringify({ url: `http://${host}:${app.server.address().port}` })}\n`);

const stop = () => void app.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
