/**
 * No Docker engine or cluster runs here, so the deployment files are read as Compose, nginx
 * and Helm would read them: every address must name a service defined beside it, on the port
 * that service listens on inside the network (not a published host port), every SutazAI
 * setting must be one the configuration schema knows and accepts, and credentials must match
 * what the server they name is set up with.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configKeys } from '../packages/server/src/config/schema.js';
import {
  IMAGE_PORTS, addressProblems, environmentMap, environmentProblems, healthcheckAddresses, imageName, interpolateDeep, isLoopbackHost, parseDotenv,
  type NetworkService,
} from './support/deploy-wiring.js';
import { repoRoot } from './support/server-process.js';

const deploy = (file: string) => path.join(repoRoot, 'deploy', file);
const read = (file: string) => readFileSync(deploy(file), 'utf8');

interface ComposeService {
  image?: string;
  build?: unknown;
  environment?: unknown;
  command?: string[] | string;
  ports?: (string | number)[];
  volumes?: string[];
  healthcheck?: { test?: string[] | string };
  depends_on?: Record<string, { condition?: string }> | string[];
}

/** nginx's upstream servers and listen port. */
function readNginx(text: string) {
  const upstreams = [...text.matchAll(/^\s*server\s+([^\s:;]+):(\d+)[^;]*;/gm)].map((match) => ({ host: match[1]!, port: Number(match[2]) }));
  const listen = Number(/^\s*listen\s+(\d+)/m.exec(text)?.[1] ?? 0);
  return { upstreams, listen };
}

function isSutazai(service: ComposeService): boolean {
  return service.build !== undefined || /^sutazai(:|$)/.test(service.image ?? '');
}

/** Everything wrong with the wiring of compose.yaml + nginx.conf, given the .env a user starts from. */
function composeWiringProblems(composeText: string, nginxText: string, env: Record<string, string>): string[] {
  const problems: string[] = [];
  const compose = interpolateDeep(parse(composeText, { merge: true }) as { services: Record<string, ComposeService> }, env, problems);
  const nginx = readNginx(nginxText);
  const services = new Map<string, NetworkService>();
  for (const [name, service] of Object.entries(compose.services)) {
    const serviceEnv = environmentMap(service.environment);
    const command = typeof service.command === 'string' ? service.command.split(/\s+/) : service.command ?? [];
    if (isSutazai(service)) services.set(name, { name, port: Number(serviceEnv.PORT ?? 10200), kind: 'sutazai', env: serviceEnv, command });
    else if (imageName(service.image ?? '') === 'nginx') services.set(name, { name, port: nginx.listen, kind: 'proxy', env: serviceEnv, command });
    else {
      const known = IMAGE_PORTS[imageName(service.image ?? '')];
      if (!known) problems.push(`${name}: image ${service.image} is not in IMAGE_PORTS; add the port it listens on`);
      else services.set(name, { name, port: known.port, kind: known.kind, env: serviceEnv, command });
    }
  }
  for (const [name, service] of Object.entries(compose.services)) {
    const own = services.get(name);
    if (isSutazai(service)) problems.push(...environmentProblems(`compose ${name}`, environmentMap(service.environment), services));
    for (const mapping of service.ports ?? []) {
      const containerPort = Number(String(mapping).split('/')[0]!.split(':').at(-1));
      if (own && containerPort !== own.port) problems.push(`compose ${name}: publishes container port ${containerPort}, but it listens on ${own.port}`);
    }
    const test = service.healthcheck?.test;
    const command = typeof test === 'string' ? [test] : test ?? [];
    for (const address of healthcheckAddresses(command)) {
      const target = isLoopbackHost(address.host) ? own : services.get(address.host);
      if (!target) problems.push(`compose ${name}: the healthcheck's ${address.text} names no service`);
      else if (address.port !== target.port) problems.push(`compose ${name}: the healthcheck's ${address.text} uses port ${address.port}, but ${target.name} listens on ${target.port}`);
    }
  }
  for (const upstream of nginx.upstreams) {
    problems.push(...addressProblems(`nginx upstream ${upstream.host}:${upstream.port}`, upstream.host, upstream.port, services, 'sutazai'));
  }
  return problems;
}

describe('deploy/compose.yaml and deploy/nginx.conf', () => {
  const composeText = read('compose.yaml');
  const nginxText = read('nginx.conf');
  const env = parseDotenv(read('.env.example'));
  const compose = interpolateDeep(parse(composeText, { merge: true }) as { services: Record<string, ComposeService> }, env, []);

  it('defines two API replicas, PostgreSQL with pgvector, Redis, RabbitMQ, Ollama and a reverse proxy', () => {
    const services = compose.services;
    expect(Object.entries(services).filter(([, service]) => isSutazai(service)).map(([name]) => name)).toEqual(['api-1', 'api-2']);
    expect(imageName(services.postgres!.image!)).toBe('pgvector/pgvector');
    expect(Object.fromEntries(Object.entries(services).filter(([, s]) => !isSutazai(s)).map(([name, s]) => [name, imageName(s.image!)]))).toEqual({
      proxy: 'nginx', postgres: 'pgvector/pgvector', redis: 'redis', rabbitmq: 'rabbitmq', ollama: 'ollama/ollama',
    });
    // Only the proxy is reachable from outside; nothing else publishes a port to be mistaken for an internal one.
    expect(Object.entries(services).filter(([, s]) => s.ports?.length).map(([name]) => name)).toEqual(['proxy']);
    expect(services.proxy!.volumes).toContain('./nginx.conf:/etc/nginx/nginx.conf:ro');
  });

  it('points every address at a service defined in the file and the port it listens on inside the network, with its credentials', () => {
    expect(composeWiringProblems(composeText, nginxText, env)).toEqual([]);
  });

  it('sets only SutazAI settings, each accepted by the configuration schema, HOST open to the network', () => {
    for (const name of ['api-1', 'api-2']) {
      const apiEnv = environmentMap(compose.services[name]!.environment);
      expect(Object.keys(apiEnv).filter((key) => !(configKeys as readonly string[]).includes(key))).toEqual([]);
      expect(apiEnv).toMatchObject({ HOST: '0.0.0.0', TRUST_PROXY: 'true' });
      expect(Object.keys(apiEnv)).toEqual(expect.arrayContaining(['DATABASE_URL', 'REDIS_URL', 'AMQP_URL', 'OLLAMA_BASE_URL']));
    }
  });

  it('starts the API replicas after their dependencies are healthy', () => {
    for (const name of ['api-1', 'api-2']) {
      expect(compose.services[name]!.depends_on).toMatchObject({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' }, rabbitmq: { condition: 'service_healthy' } });
    }
  });

  it('catches the mistakes the original deployment shipped (container names, published ports, localhost)', () => {
    const miswired = composeText
      .replace('@postgres:5432/sutazai', '@sutazai-postgres:5432/sutazai')
      .replace('@redis:6379', '@redis:16379')
      .replace('OLLAMA_BASE_URL: http://ollama:11434', 'OLLAMA_BASE_URL: http://localhost:11434')
      .replace('http://127.0.0.1:10200/health', 'http://127.0.0.1:8000/health');
    const problems = composeWiringProblems(miswired, nginxText.replace('server api-2:10200', 'server api-2:8000'), env);
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^compose api-1: DATABASE_URL points at sutazai-postgres, which is not a service defined here/),
      'compose api-1: REDIS_URL uses port 16379, but redis listens on 6379 inside the network',
      'compose api-1: OLLAMA_BASE_URL points at localhost, which inside a container is the container itself: use the service name',
      'compose api-1: the healthcheck\'s http://127.0.0.1:8000 uses port 8000, but api-1 listens on 10200',
      'nginx upstream api-2:8000 uses port 8000, but api-2 listens on 10200 inside the network',
    ]));
    // Four mistakes in the settings both replicas share, seen in each, and one in nginx: nothing else.
    expect(problems).toHaveLength(9);
    // Credentials that differ from the server's own, and a password the example environment leaves out.
    const wrongUser = composeWiringProblems(composeText.replace('postgres://sutazai:', 'postgres://postgres:'), nginxText, env);
    expect(wrongUser).toContain('compose api-1: DATABASE_URL: the user (postgres) is not the one postgres is set up with (sutazai)');
    const unset = composeWiringProblems(composeText, nginxText, { ...env, RABBITMQ_PASSWORD: '' });
    expect(unset).toEqual(expect.arrayContaining([expect.stringMatching(/^RABBITMQ_PASSWORD is required/)]));
  });

  it('proxies with streaming-friendly settings: no buffering, long read timeouts, WebSocket upgrade', () => {
    expect(nginxText).toMatch(/^\s*proxy_buffering off;/m);
    expect(nginxText).toMatch(/^\s*proxy_http_version 1\.1;/m);
    expect(nginxText).toMatch(/^\s*proxy_set_header Upgrade \$http_upgrade;/m);
    expect(nginxText).toMatch(/^\s*proxy_set_header Connection \$connection_upgrade;/m);
    expect(Number(/proxy_read_timeout (\d+)s;/.exec(nginxText)?.[1])).toBeGreaterThanOrEqual(300);
    expect(readNginx(nginxText).upstreams.map((u) => u.host)).toEqual(['api-1', 'api-2']);
  });
});

describe('deploy/Dockerfile', () => {
  const text = read('Dockerfile');
  const instructions = text.replace(/\\\n/g, ' ').split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
  const env = Object.fromEntries(instructions.filter((line) => line.startsWith('ENV ')).flatMap((line) => [...line.slice(4).matchAll(/([A-Z_]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!])));

  it('builds in stages on node:20-bookworm-slim with npm ci and runs as a non-root user', () => {
    const stages = instructions.filter((line) => line.startsWith('FROM '));
    expect(stages).toEqual(['FROM node:20-bookworm-slim AS build', 'FROM node:20-bookworm-slim AS runtime']);
    expect(text).toMatch(/RUN npm ci\b/);
    expect(text).toMatch(/npm run build/);
    const user = instructions.filter((line) => line.startsWith('USER ')).at(-1);
    expect(user).toBe('USER node');
    expect(existsSync(deploy('Dockerfile.dockerignore'))).toBe(true);
  });

  it('serves on 0.0.0.0 at the port it exposes and checks its health there', () => {
    expect(env).toMatchObject({ HOST: '0.0.0.0', PORT: '10200' });
    expect(Object.keys(env).filter((key) => key !== 'NODE_ENV' && !(configKeys as readonly string[]).includes(key))).toEqual([]);
    expect(instructions).toContain(`EXPOSE ${env.PORT}`);
    const healthcheck = instructions.find((line) => line.startsWith('HEALTHCHECK '));
    expect(healthcheck).toContain("'http://127.0.0.1:' + (process.env.PORT || 10200) + '/health'");
    expect(instructions.at(-1)).toBe('CMD ["serve"]');
  });
});

describe('deploy/helm/sutazai', () => {
  const chartDir = 'helm/sutazai';
  const chart = parse(read(`${chartDir}/Chart.yaml`)) as Record<string, unknown>;
  const values = parse(read(`${chartDir}/values.yaml`)) as {
    config: Record<string, string>;
    secrets: Record<string, string>;
    service: { port: number };
    ingress: { annotations: Record<string, string> };
    dependencies: Record<string, { enabled: boolean; image: string; port: number; env?: Record<string, string>; secretEnv?: Record<string, string>; args?: string[] }>;
  };
  const template = (name: string) => read(`${chartDir}/templates/${name}`);

  it('is a v2 chart with a deployment, service, configmap, secret and ingress', () => {
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'sutazai' });
    for (const name of ['deployment.yaml', 'service.yaml', 'configmap.yaml', 'secret.yaml', 'ingress.yaml', 'dependencies.yaml', '_helpers.tpl']) {
      expect(existsSync(deploy(`${chartDir}/templates/${name}`)), name).toBe(true);
    }
  });

  it('points every address in values.yaml at a dependency defined there, on its port, with its credentials; every setting one the schema accepts', () => {
    const services = new Map<string, NetworkService>();
    for (const [name, dependency] of Object.entries(values.dependencies)) {
      if (!dependency.enabled) continue;
      const known = IMAGE_PORTS[imageName(dependency.image)];
      expect(known, dependency.image).toBeDefined();
      // The Service serves the port the server listens on: the template uses one value for both.
      expect(dependency.port, name).toBe(known!.port);
      const args = (dependency.args ?? []).map((arg) => arg.replace(/\$\(([A-Z_]+)\)/g, (_, key: string) => dependency.secretEnv?.[key] ?? dependency.env?.[key] ?? ''));
      services.set(name, { name, port: dependency.port, kind: known!.kind, env: { ...dependency.env, ...dependency.secretEnv }, command: args });
    }
    expect(environmentProblems('helm values', { ...values.config, ...values.secrets }, services)).toEqual([]);
    expect(values.config).toMatchObject({ HOST: '0.0.0.0' });
    // The same check fails a chart-style service name, a node port, an unknown or invalid setting.
    expect(environmentProblems('helm values', { ...values.config, ...values.secrets, REDIS_URL: 'redis://:change-me-redis@sutazai-redis-master:6379', AMQP_URL: 'amqp://sutazai:change-me-rabbitmq@rabbitmq:30672', OLLAMA_HOST: '0.0.0.0', PORT: 'http' }, services)).toEqual([
      'helm values: OLLAMA_HOST is not a SutazAI setting (see packages/server/src/config/schema.ts)',
      expect.stringMatching(/^helm values: PORT="http" is invalid: it must be a whole number/),
      expect.stringMatching(/^helm values: REDIS_URL points at sutazai-redis-master, which is not a service defined here/),
      'helm values: AMQP_URL uses port 30672, but rabbitmq listens on 5672 inside the network',
    ]);
  });

  it('runs the container on the configured PORT, probes /health there and routes the Service to it', () => {
    const deployment = template('deployment.yaml');
    expect(deployment).toContain('containerPort: {{ .Values.config.PORT }}');
    expect(deployment.match(/httpGet:\s+path: \/health\s+port: http/g)).toHaveLength(2);
    expect(deployment).toContain('replicas: {{ .Values.replicaCount }}');
    expect(template('service.yaml')).toMatch(/port: \{\{ \.Values\.service\.port \}\}\s+targetPort: http/);
    const dependencies = template('dependencies.yaml');
    expect(dependencies).toMatch(/name: \{\{ \$name \}\}/);
    expect(dependencies.match(/Port: \{\{ \$dependency\.port \}\}|port: \{\{ \$dependency\.port \}\}/g)).toHaveLength(2);
  });

  it('configures the ingress for streams: no buffering, long timeouts', () => {
    expect(values.ingress.annotations).toMatchObject({ 'nginx.ingress.kubernetes.io/proxy-buffering': 'off' });
    expect(Number(values.ingress.annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThanOrEqual(300);
    expect(template('ingress.yaml')).toContain('toYaml .Values.ingress.annotations');
  });
});
