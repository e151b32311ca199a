/**
 * The doctor against HTTP dependencies set up wrong for real: names that do not resolve (a
 * test resolver), published ports, localhost in a container, http against https, /v1 missing
 * or doubled, a server of the wrong kind, a slow one, a proxy that cannot reach the API, and
 * the OpenTelemetry receiver (a real OTLP/HTTP one, and servers answering wrong).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../http/test-support/test-app.js';
import { startOllamaTestServer, type OllamaTestServer } from '../llm/test-support/ollama-test-server.js';
import { startOpenAICompatibleTestServer, type OpenAICompatibleTestServer } from '../llm/test-support/openai-compatible-test-server.js';
import { startOtlpReceiver, type OtlpReceiver } from '../tracing/test-support/otlp-receiver.js';
import {
  checkNamed, closedPort, diagnose, inContainer, ollamaLike, problemCodes, selfSignedCertificate, sendJson, startHttpServer, startTcpServer, testResolver,
  type LocalServer,
} from './test-support/doctor-fixtures.js';

let sutazai: TestApp;
let apiPort: number;
let openai: OpenAICompatibleTestServer;
let ollama: OllamaTestServer;
const servers: LocalServer[] = [];

beforeAll(async () => {
  sutazai = await startTestApp();
  apiPort = Number(new URL(await sutazai.listen()).port);
  openai = await startOpenAICompatibleTestServer();
  ollama = await startOllamaTestServer();
});

afterAll(async () => {
  await Promise.all([sutazai?.close(), openai?.close(), ollama?.close(), ...servers.map((server) => server.close())]);
});

async function serve(server: Promise<LocalServer>): Promise<LocalServer> {
  const started = await server;
  servers.push(started);
  return started;
}

describe('names that do not resolve', () => {
  it('lists the names that do and picks `backend` for `sutazai-backend`, with a URL that answers as SutazAI', async () => {
    const resolver = testResolver({ backend: ['127.0.0.1'], redis: ['127.0.0.1'], postgres: ['127.0.0.1'] });
    const api = checkNamed(await diagnose({}, { resolver, apiUrl: `http://sutazai-backend:${apiPort}` }), 'api');
    expect(api.status).toBe('problem');
    expect(api.steps).toEqual([expect.objectContaining({ step: 'resolve', ok: false, detail: 'sutazai-backend does not resolve (ENOTFOUND)' })]);
    expect(problemCodes(api)).toEqual(['NAME_NOT_RESOLVED']);
    expect(api.problems[0]!.message).toMatch(/Names that do: backend, (postgres, redis|redis, postgres)\. Closest match: backend\./);
    expect(api.problems[0]!.fix).toContain(`Set SUTAZAI_URL=http://backend:${apiPort} (SutazAI answers there)`);

    // The fix, followed: the same resolver now carries the doctor to the real server.
    const fixed = checkNamed(await diagnose({}, { resolver, apiUrl: `http://backend:${apiPort}` }), 'api');
    expect(fixed).toMatchObject({ status: 'ok', version: 'SutazAI Platform API', problems: [] });
    expect(fixed.steps.map((step) => [step.step, step.ok])).toEqual([['resolve', true], ['connect', true], ['handshake', true], ['version', true]]);
    expect(fixed.steps[0]!.detail).toBe('backend → 127.0.0.1');
  });

  it('names /etc/hosts entries among the candidates', async () => {
    const resolver = testResolver({ 'ollama-gpu': ['127.0.0.1'] });
    const report = await diagnose({ OLLAMA_BASE_URL: 'http://olama-gpu:11434' }, { resolver, environment: { inContainer: false, evidence: [], hostsNames: ['ollama-gpu'] } });
    const check = checkNamed(report, 'ollama');
    expect(check.problems[0]!.message).toContain('Closest match: ollama-gpu.');
  });

  it('says so when nothing near resolves', async () => {
    const check = checkNamed(await diagnose({ OPENAI_BASE_URL: 'http://vllm-prod.internal:8000/v1' }), 'openai');
    expect(problemCodes(check)).toEqual(['NAME_NOT_RESOLVED']);
    expect(check.problems[0]!.message).toContain('No known service name resolves either.');
    expect(check.problems[0]!.fix).toContain('the key under `services:`');
  });
});

describe('ports and hosts', () => {
  it('recognises a published host port: refused there, while SutazAI answers on its own port', async () => {
    const published = await closedPort();
    const report = await diagnose({}, { apiUrl: `http://127.0.0.1:${published}`, knownPorts: { sutazai: [apiPort] }, environment: inContainer });
    const api = checkNamed(report, 'api');
    expect(problemCodes(api)).toEqual(['PUBLISHED_PORT']);
    expect(api.problems[0]!.message).toBe(`Nothing listens on 127.0.0.1:${published}, but SutazAI answers on 127.0.0.1:${apiPort}. ${published} looks like the port published on the Docker host; inside the container network 127.0.0.1 listens on ${apiPort}.`);
    expect(api.problems[0]!.fix).toMatch(new RegExp(`^Set SUTAZAI_URL=http://127\\.0\\.0\\.1:${apiPort}\\.`));
  });

  it('does not call it a published port when what answers on the usual port is another kind of server', async () => {
    const published = await closedPort();
    const check = checkNamed(await diagnose({ OLLAMA_BASE_URL: `http://127.0.0.1:${published}` }, { knownPorts: { ollama: [Number(new URL(openai.url).port)] } }), 'ollama');
    expect(problemCodes(check)).toEqual(['UNREACHABLE']);
    expect(check.problems[0]!.message).toBe(`Nothing listens on 127.0.0.1:${published} (connection refused).`);
  });

  it('recognises localhost inside a container and names the service that resolves and answers', async () => {
    // Ollama runs at the service name `ollama` (127.0.0.2 here), on the port the URL names, but not on localhost.
    const remote = await serve(startHttpServer(ollamaLike(), { host: '127.0.0.2' }));
    const resolver = testResolver({ localhost: ['127.0.0.1'], ollama: ['127.0.0.2'] });
    const env = { OLLAMA_BASE_URL: `http://localhost:${remote.port}` };
    const check = checkNamed(await diagnose(env, { resolver, environment: inContainer, knownPorts: { ollama: [remote.port] } }), 'ollama');
    expect(problemCodes(check)).toEqual(['LOCALHOST_IN_CONTAINER']);
    expect(check.problems[0]!.message).toContain('this runs inside a container (/.dockerenv exists): there localhost is the container itself, not Ollama. Service names of Ollama that resolve here: ollama.');
    expect(check.problems[0]!.fix).toBe(`Set OLLAMA_BASE_URL=http://ollama:${remote.port}.`);

    // The same URL on a machine that is not a container is plainly unreachable.
    const onHost = checkNamed(await diagnose(env, { resolver, knownPorts: { ollama: [remote.port] } }), 'ollama');
    expect(problemCodes(onHost)).toEqual(['UNREACHABLE']);
    expect(onHost.problems[0]!.fix).toContain('Start Ollama on this machine');
  });
});

describe('protocol: scheme, path, kind of server', () => {
  const certificate = selfSignedCertificate();

  it.skipIf(!certificate)('recognises http:// pointed at an https server, and https:// at a plain HTTP one', async () => {
    const tls = await serve(startHttpServer(ollamaLike(), { tls: certificate }));
    const plainUrl = checkNamed(await diagnose({ OLLAMA_BASE_URL: `http://127.0.0.1:${tls.port}` }), 'ollama');
    expect(problemCodes(plainUrl)).toEqual(['SCHEME_MISMATCH']);
    expect(plainUrl.problems[0]).toMatchObject({ message: `OLLAMA_BASE_URL says http://, but 127.0.0.1:${tls.port} speaks https (TLS).`, fix: `Set OLLAMA_BASE_URL=https://127.0.0.1:${tls.port}.` });

    const plainServer = Number(new URL(ollama.url).port);
    const tlsUrl = checkNamed(await diagnose({ OLLAMA_BASE_URL: `https://127.0.0.1:${plainServer}` }), 'ollama');
    expect(problemCodes(tlsUrl)).toEqual(['SCHEME_MISMATCH']);
    expect(tlsUrl.problems[0]!.fix).toBe(`Set OLLAMA_BASE_URL=http://127.0.0.1:${plainServer} (or put TLS in front of it).`);
  });

  it.skipIf(!certificate)('recognises a TLS certificate this machine does not trust, with the hint /health/detailed gives', async () => {
    const tls = await serve(startHttpServer(ollamaLike(), { tls: certificate }));
    const check = checkNamed(await diagnose({ OLLAMA_BASE_URL: `https://127.0.0.1:${tls.port}` }), 'ollama');
    expect(check.steps.find((step) => step.step === 'handshake')).toMatchObject({ ok: true, detail: 'TLS' });
    expect(problemCodes(check)).toEqual(['TLS_UNTRUSTED']);
    expect(check.problems[0]!.fix).toContain('NODE_EXTRA_CA_CERTS');
  });

  it('recognises /v1 missing and /v1 doubled against the OpenAI-compatible test server, and accepts it once', async () => {
    const missing = checkNamed(await diagnose({ OPENAI_BASE_URL: openai.url }), 'openai');
    expect(problemCodes(missing)).toEqual(['PATH_PREFIX']);
    expect(missing.problems[0]!.message).toBe(`OPENAI_BASE_URL=${openai.url}: /v1 is missing; the OpenAI API answers at ${openai.url}/v1/models.`);
    expect(missing.problems[0]!.fix).toMatch(new RegExp(`^Set OPENAI_BASE_URL=${openai.url.replaceAll('.', '\\.')}/v1 `));

    const doubled = checkNamed(await diagnose({ OPENAI_BASE_URL: `${openai.baseURL}/v1` }), 'openai');
    expect(problemCodes(doubled)).toEqual(['PATH_PREFIX']);
    expect(doubled.problems[0]!.message).toContain('/v1 is doubled');
    expect(doubled.problems[0]!.fix).toMatch(new RegExp(`^Set OPENAI_BASE_URL=${openai.baseURL.replaceAll('.', '\\.')} `));

    const pasted = checkNamed(await diagnose({ OPENAI_BASE_URL: `${openai.baseURL}/chat/completions` }), 'openai');
    expect(pasted.problems[0]!.fix).toMatch(new RegExp(`^Set OPENAI_BASE_URL=${openai.baseURL.replaceAll('.', '\\.')} `));

    const right = checkNamed(await diagnose({ OPENAI_BASE_URL: openai.baseURL }), 'openai');
    expect(right).toMatchObject({ status: 'ok', problems: [] });
    expect(right.steps.at(-1)).toMatchObject({ step: 'version', ok: true, detail: `1 model at ${openai.baseURL}` });
  });

  it('recognises a refused API key', async () => {
    const guarded = await startOpenAICompatibleTestServer({ apiKey: 'sk-right' });
    try {
      const wrong = checkNamed(await diagnose({ OPENAI_BASE_URL: guarded.baseURL, OPENAI_API_KEY: 'sk-wrong' }), 'openai');
      expect(problemCodes(wrong)).toEqual(['BAD_CREDENTIALS']);
      expect(wrong.problems[0]).toMatchObject({ message: 'The server refused the API key (HTTP 401).', fix: 'Correct OPENAI_API_KEY (the key this server expects).' });
      const none = checkNamed(await diagnose({ OPENAI_BASE_URL: guarded.baseURL }), 'openai');
      expect(none.problems[0]!.fix).toBe('The server needs a key: set OPENAI_API_KEY.');
      expect(checkNamed(await diagnose({ OPENAI_BASE_URL: guarded.baseURL, OPENAI_API_KEY: 'sk-right' }), 'openai').status).toBe('ok');
    } finally {
      await guarded.close();
    }
  });

  it('accepts Ollama where it is expected, with its version', async () => {
    const check = checkNamed(await diagnose({ OLLAMA_BASE_URL: ollama.url }), 'ollama');
    expect(check).toMatchObject({ status: 'ok', version: 'Ollama 0.5.1', problems: [] });
  });

  it('recognises Ollama under a /v1 path: its API is at the root', async () => {
    const check = checkNamed(await diagnose({ OLLAMA_BASE_URL: `${ollama.url}/v1` }), 'ollama');
    expect(problemCodes(check)).toEqual(['PATH_PREFIX']);
    expect(check.problems[0]!.fix).toMatch(new RegExp(`^Set OLLAMA_BASE_URL=${ollama.url.replaceAll('.', '\\.')} `));
  });

  it('recognises an OpenAI-compatible server where Ollama is expected, and says where it belongs', async () => {
    const check = checkNamed(await diagnose({ OLLAMA_BASE_URL: openai.url }), 'ollama');
    expect(problemCodes(check)).toEqual(['WRONG_SERVER_KIND']);
    expect(check.problems[0]!.message).toBe(`OLLAMA_BASE_URL expects Ollama at 127.0.0.1:${new URL(openai.url).port}, but an OpenAI-compatible server answered there.`);
    expect(check.problems[0]!.fix).toContain(`set OPENAI_BASE_URL=${openai.url}/v1 instead`);
  });

  it('recognises another HTTP server (nginx) where Ollama is expected', async () => {
    const nginx = await serve(startHttpServer((_, response) => {
      response.writeHead(404, { server: 'nginx/1.25.3', 'content-type': 'text/html' });
      response.end('<html><body><h1>404 Not Found</h1></body></html>');
    }));
    const check = checkNamed(await diagnose({ OLLAMA_BASE_URL: `http://127.0.0.1:${nginx.port}` }), 'ollama');
    expect(problemCodes(check)).toEqual(['WRONG_SERVER_KIND']);
    expect(check.problems[0]!.message).toContain('but an HTTP server (nginx/1.25.3) answered there.');
  });

  it('recognises a TCP server that speaks another protocol on an HTTP setting', async () => {
    const mail = await serve(startTcpServer((socket) => socket.end('220 mail.example.com ESMTP ready\r\n')));
    const check = checkNamed(await diagnose({ OPENAI_BASE_URL: `http://127.0.0.1:${mail.port}/v1` }), 'openai');
    expect(check.steps.find((step) => step.step === 'handshake')).toMatchObject({ ok: false, detail: 'no HTTP answer' });
    expect(problemCodes(check)).toEqual(['WRONG_SERVER_KIND']);
    expect(check.problems[0]!.message).toContain('but a mail or FTP server answered there.');
  });

  it('recognises the SutazAI API where an Ollama is expected (OLLAMA_BASE_URL pointing at itself)', async () => {
    const check = checkNamed(await diagnose({ OLLAMA_BASE_URL: `http://127.0.0.1:${apiPort}` }), 'ollama');
    expect(problemCodes(check)).toEqual(['WRONG_SERVER_KIND']);
    expect(check.problems[0]!.message).toContain('but SutazAI answered there.');
  });
});

describe('slow and half-broken', () => {
  it('reports a dependency slower than the threshold', async () => {
    const slow = await serve(startHttpServer(ollamaLike(150)));
    const check = checkNamed(await diagnose({ OLLAMA_BASE_URL: `http://127.0.0.1:${slow.port}` }, { slowMs: 100 }), 'ollama');
    expect(check.version).toBe('Ollama 0.5.7');
    expect(problemCodes(check)).toEqual(['SLOW']);
    expect(check.problems[0]!.message).toMatch(/^Ollama took \d+ ms to answer \(more than 100 ms\)\.$/);
    expect(check.latency_ms).toBeGreaterThan(100);
  });

  it('reports a server that accepts connections and never answers as slow, not as the wrong kind', async () => {
    const hanging = await serve(startHttpServer((request, response) => {
      if (request.url === '/') response.end('ok'); // answers the scheme check, then hangs on the API
    }));
    const check = checkNamed(await diagnose({ OLLAMA_BASE_URL: `http://127.0.0.1:${hanging.port}` }, { timeoutMs: 500 }), 'ollama');
    expect(problemCodes(check)).toEqual(['SLOW']);
    expect(check.problems[0]!.message).toContain('did not answer within 500 ms');
  });

  it('recognises a reverse proxy that answers 502 for the API behind it', async () => {
    const proxy = await serve(startHttpServer((_, response) => sendJson(response, 502, { error: 'bad gateway' }, { server: 'Caddy' })));
    const check = checkNamed(await diagnose({}, { apiUrl: `http://127.0.0.1:${proxy.port}` }), 'api');
    expect(problemCodes(check)).toEqual(['UNREACHABLE']);
    expect(check.problems[0]!.message).toContain('Caddy at 127.0.0.1');
    expect(check.problems[0]!.fix).toContain('not a published host port');
  });

  it('recognises the API under a path: SUTAZAI_URL is the server root', async () => {
    const check = checkNamed(await diagnose({}, { apiUrl: `http://127.0.0.1:${apiPort}/api/v1` }), 'api');
    expect(problemCodes(check)).toEqual(['PATH_PREFIX']);
    expect(check.problems[0]!.fix).toBe(`Set SUTAZAI_URL=http://127.0.0.1:${apiPort} (the server's root; the CLI and the web UI add /api/v1 themselves).`);
  });
});

describe('the OpenTelemetry receiver (OTEL_EXPORTER_OTLP_*)', () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(() => receiver?.close());

  it('accepts a receiver that takes an empty OTLP/JSON export, and records no span there', async () => {
    const check = checkNamed(await diagnose({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_HEADERS: 'x-scope-orgid=home' }), 'tracing');
    expect(check).toMatchObject({ status: 'ok', kind: 'otlp', setting: 'OTEL_EXPORTER_OTLP_ENDPOINT', problems: [] });
    expect(check.steps.at(-1)).toMatchObject({ step: 'version', ok: true, detail: 'accepted an empty OTLP/JSON export (HTTP 200)' });
    expect(receiver.exports.at(-1)).toMatchObject({ 'x-scope-orgid': 'home' });
    expect(receiver.spans).toEqual([]);
  });

  it('recognises a traces endpoint without /v1/traces, and says both ways to set it', async () => {
    const check = checkNamed(await diagnose({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url }), 'tracing');
    expect(problemCodes(check)).toEqual(['PATH_PREFIX']);
    expect(check.problems[0]!.fix).toBe(`Set OTEL_EXPORTER_OTLP_ENDPOINT=${receiver.url} (SutazAI adds /v1/traces), or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=${receiver.url}/v1/traces (the full address).`);
  });

  it('recognises a receiver that wants credentials', async () => {
    const guarded = await serve(startHttpServer((request, response) => {
      sendJson(response, request.headers.authorization === 'Bearer right' ? 200 : 401, {});
    }));
    const url = `http://127.0.0.1:${guarded.port}`;
    const refused = checkNamed(await diagnose({ OTEL_EXPORTER_OTLP_ENDPOINT: url }), 'tracing');
    expect(problemCodes(refused)).toEqual(['BAD_CREDENTIALS']);
    expect(refused.problems[0]!.fix).toContain('OTEL_EXPORTER_OTLP_HEADERS');
    expect(checkNamed(await diagnose({ OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20right' }), 'tracing').status).toBe('ok');
  });

  it('recognises another kind of server where the receiver is expected (Ollama on the endpoint)', async () => {
    const check = checkNamed(await diagnose({ OTEL_EXPORTER_OTLP_ENDPOINT: ollama.url }), 'tracing');
    expect(problemCodes(check)).toEqual(['WRONG_SERVER_KIND']);
    expect(check.problems[0]!.message).toContain('expects an OpenTelemetry receiver (OTLP/HTTP)');
    expect(check.problems[0]!.fix).toContain('OLLAMA_BASE_URL');
  });

  it('is not checked when no endpoint is set', async () => {
    expect((await diagnose({})).checks.map((check) => check.name)).not.toContain('tracing');
  });
});
