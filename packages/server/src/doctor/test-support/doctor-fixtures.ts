/**
 * Setting up wiring mistakes for real: a resolver with chosen names, an environment that is
 * or is not a container, local TCP, HTTP and TLS servers, a self-signed certificate.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../config/load.js';
import type { DoctorCheck, DoctorReport } from '../doctor-report.js';
import type { DoctorEnvironment } from '../environment.js';
import type { Resolver } from '../network.js';
import { runDoctor, type DoctorOptions } from '../run-doctor.js';

/** Resolves exactly the names given; every other name fails as an unknown host does. */
export function testResolver(names: Record<string, string[]>): Resolver {
  return async (hostname) => {
    const addresses = names[hostname.toLowerCase()];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
    return addresses;
  };
}

export const onHost: DoctorEnvironment = { inContainer: false, evidence: [], hostsNames: [] };
export const inContainer: DoctorEnvironment = { inContainer: true, evidence: ['/.dockerenv exists'], hostsNames: [] };

/** The doctor on a configuration made of `env` (in a fresh folder), on the host unless told. */
export async function diagnose(env: Record<string, string>, options: Partial<DoctorOptions> = {}): Promise<DoctorReport> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sutazai-doctor-'));
  try {
    const config = loadConfig({ env: { DATA_DIR: path.join(dir, 'data'), ...env }, cwd: dir });
    return await runDoctor({ config, environment: onHost, resolver: testResolver({}), timeoutMs: 2000, ...options });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function checkNamed(report: DoctorReport, name: string): DoctorCheck {
  const check = report.checks.find((entry) => entry.name === name);
  if (!check) throw new Error(`no check named ${name} in ${report.checks.map((entry) => entry.name).join(', ')}`);
  return check;
}

export function problemCodes(check: DoctorCheck): string[] {
  return check.problems.map((problem) => problem.code);
}

export interface LocalServer {
  port: number;
  close(): Promise<void>;
}

/** A TCP server that does what `onConnection` does with each socket (answer garbage, say nothing...). */
export async function startTcpServer(onConnection: (socket: Socket) => void): Promise<LocalServer> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

export type HttpHandler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

export async function startHttpServer(handler: HttpHandler, options: { tls?: { key: string; cert: string }; host?: string } = {}): Promise<LocalServer> {
  const { tls, host = '127.0.0.1' } = options;
  const listener = (request: IncomingMessage, response: ServerResponse) => {
    Promise.resolve(handler(request, response)).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500);
      response.end(String(error));
    });
  };
  const server = tls ? createHttpsServer(tls, listener) : createHttpServer(listener);
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/** A self-signed certificate for 127.0.0.1 and localhost, made with openssl; undefined without it. */
export function selfSignedCertificate(): { key: string; cert: string } | undefined {
  const dir = mkdtempSync(path.join(tmpdir(), 'sutazai-doctor-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
    return { key: readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8') };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A port nothing listens on (bound, read, released). */
export async function closedPort(): Promise<number> {
  const server = await startTcpServer(() => undefined);
  await server.close();
  return server.port;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Ollama's two probe endpoints, answered after `delayMs`. */
export function ollamaLike(delayMs = 0): HttpHandler {
  return async (request, response) => {
    if (delayMs) await sleep(delayMs);
    if (request.url === '/api/version') return sendJson(response, 200, { version: '0.5.7' });
    if (request.url === '/api/tags') return sendJson(response, 200, { models: [{ name: 'llama3.2:1b', model: 'llama3.2:1b', details: {} }] });
    response.writeHead(404, { 'content-type': 'text/plain' });
    response.end('404 page not found');
  };
}
