/**
 * The JARVIS web UI (packages/web, built into static files) served at `/` on the API's own
 * origin. Only files found in the build folder are served, looked up by exact path in a table
 * made from that folder, so no request path can reach anything else (no traversal to guard
 * against). Hashed assets are cached for a year; index.html is revalidated every time, and
 * answers every other browser navigation (the app's own routes). API paths and requests
 * that are not for a page keep the API's JSON 404 (or 401 when signed out, as before).
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors/catalogue.js';
import { cookies, SESSION_COOKIE } from './auth-hook.js';
import { errorBody } from './error-boundary.js';

export interface WebUiOptions {
  /** The web app's build folder: packages/web/dist. */
  distDir: string;
}

interface StaticFile {
  body: Buffer;
  gzip: Buffer | undefined;
  type: string;
  etag: string;
  cacheControl: string;
}

interface Dist {
  /** The build folder, links resolved. */
  root: string;
  files: Map<string, StaticFile>;
  index: StaticFile;
  indexModified: number;
}

const NOT_BUILT = 'The web UI is not built: run npm run build.';
/** Paths that belong to the API: never answered with the app, whatever the Accept header. */
const API_PATH = /^\/(api|v1)(\/|$)|^\/health(\/|$)|^\/openapi\.json$/;
const IMMUTABLE = 'public, max-age=31536000, immutable';
const MAX_FILE_BYTES = 25 * 1024 * 1024;
const MAX_TOTAL_BYTES = 200 * 1024 * 1024;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};
const COMPRESSIBLE = /^(text\/|application\/(json|manifest\+json)|image\/svg\+xml)/;

export function registerWebUi(app: FastifyInstance, options: WebUiOptions): void {
  const routeOptions = { config: { public: true }, schema: { hide: true } };
  if (!existsSync(path.join(options.distDir, 'index.html'))) {
    app.get('/', routeOptions, async (request, reply) => notBuilt(request, reply));
    return;
  }

  // Read and compressed on the first request for the app, not at start-up, where it took 50 ms.
  let dist: Dist | undefined;
  /** The build as it is now: a rebuild while the server runs is picked up by index.html's mtime. */
  const current = (): Dist => {
    if (dist === undefined) return (dist = loadDist(options.distDir));
    const modified = statSync(path.join(dist.root, 'index.html'), { throwIfNoEntry: false })?.mtimeMs;
    if (modified !== undefined && modified !== dist.indexModified) dist = loadDist(options.distDir);
    return dist;
  };

  /**
   * A file the table lacks may be from a build written after it was made (index.html and the
   * assets are not written at one instant). Checked against the folder's listing, by exact
   * name: a request path never reaches the file system.
   */
  const lookUp = (pathname: string): StaticFile | undefined => {
    const latest = current();
    const found = latest.files.get(pathname);
    if (found || !pathname.startsWith('/assets/')) return found;
    const name = pathname.slice('/assets/'.length);
    let listed = false;
    try {
      listed = readdirSync(path.join(latest.root, 'assets'), { withFileTypes: true }).some((entry) => entry.isFile() && entry.name === name);
    } catch {
      // no assets folder: nothing to find
    }
    if (!listed) return undefined;
    dist = loadDist(options.distDir);
    return dist.files.get(pathname);
  };

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const pathname = pathOf(request.url);
    if (pathname === undefined || API_PATH.test(pathname)) return notFound(request, reply);
    const file = pathname === '/' ? current().index : dist?.files.get(pathname) ?? lookUp(pathname);
    if (file) return send(request, reply, file);
    // Any other page the browser navigates to is one of the app's routes: the app decides.
    if (acceptsHtml(request)) return send(request, reply, current().index);
    return notFound(request, reply);
  };
  app.get('/', routeOptions, handler);
  app.get('/*', routeOptions, handler);
}

function loadDist(distDir: string): Dist {
  const root = realpathSync(distDir);
  const files = new Map<string, StaticFile>();
  let total = 0;
  const walk = (folder: string, urlPrefix: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      // Dot files and links are never served: only what the build wrote.
      if (entry.name.startsWith('.') || entry.isSymbolicLink()) continue;
      const full = path.join(folder, entry.name);
      const url = `${urlPrefix}/${entry.name}`;
      if (entry.isDirectory()) walk(full, url);
      else if (entry.isFile()) {
        const size = lstatSync(full).size;
        if (size > MAX_FILE_BYTES) throw new Error(`The web UI build has a file larger than ${MAX_FILE_BYTES} bytes: ${full}. Is distDir the web app's dist folder?`);
        total += size;
        if (total > MAX_TOTAL_BYTES) throw new Error(`The web UI build folder ${root} holds more than ${MAX_TOTAL_BYTES} bytes; is it the web app's dist folder?`);
        files.set(url, staticFile(readFileSync(full), url));
      }
    }
  };
  walk(root, '');
  const index = files.get('/index.html');
  if (!index) throw new Error(`The web UI build folder ${root} has no index.html; run npm run build.`);
  return { root, files, index, indexModified: statSync(path.join(root, 'index.html')).mtimeMs };
}

function staticFile(body: Buffer, url: string): StaticFile {
  const type = TYPES[path.extname(url).toLowerCase()] ?? 'application/octet-stream';
  const gzip = COMPRESSIBLE.test(type) && body.length > 1024 ? gzipSync(body, { level: 9 }) : undefined;
  return {
    body,
    gzip: gzip && gzip.length < body.length ? gzip : undefined,
    type,
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
    // Vite names everything under /assets/ by its content hash: it never changes under that name.
    cacheControl: url.startsWith('/assets/') ? IMMUTABLE : 'no-cache',
  };
}

function send(request: FastifyRequest, reply: FastifyReply, file: StaticFile): FastifyReply {
  reply.header('cache-control', file.cacheControl).header('etag', file.etag).header('vary', 'accept-encoding');
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
  reply.type(file.type);
  const encodings = request.headers['accept-encoding'];
  if (file.gzip && typeof encodings === 'string' && /\bgzip\b/.test(encodings)) {
    return reply.header('content-encoding', 'gzip').send(file.gzip);
  }
  return reply.send(file.body);
}

/** What the API answered before the UI was served: 401 signed out, else the JSON 404. */
function notFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (!request.principal) {
    const presented = request.headers.authorization !== undefined || cookies(request)[SESSION_COOKIE] !== undefined;
    throw new AppError('UNAUTHENTICATED', presented ? 'The token, key or session is invalid, expired or revoked.' : undefined);
  }
  reply.callNotFound();
  return reply;
}

function notBuilt(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.code(503).header('cache-control', 'no-store');
  if (acceptsHtml(request)) {
    return reply.type('text/html; charset=utf-8').send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>SutazAI</title></head><body><h1>SutazAI</h1><p>${NOT_BUILT}</p><p>The API is running meanwhile: see <a href="/health">/health</a> and <a href="/openapi.json">/openapi.json</a>.</p></body></html>`,
    );
  }
  return reply.type('application/json; charset=utf-8').send(errorBody(new AppError('WEB_UI_NOT_BUILT', NOT_BUILT), String(request.id)));
}

function acceptsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  return typeof accept === 'string' && accept.includes('text/html');
}

function pathOf(url: string): string | undefined {
  const raw = url.split('?')[0] ?? '/';
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}
