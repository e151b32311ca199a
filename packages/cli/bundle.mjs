/**
 * Bundles the built CLI (`dist/main.js`, emitted by tsc) with the server into
 * `dist/bundle/sutazai.mjs`, which `npm start` runs. Start-up was mostly module loading: over
 * a thousand small files (kysely, typebox, fastify and their dependencies), each resolved, read
 * and compiled on its own. Same code as `main.js`: nothing is transpiled again, only joined.
 * Run by `npm run build` after tsc.
 *
 * What a module loads with `import()` (MCP, RabbitMQ, the embedded engine...) goes into a
 * chunk of its own beside it, read only when that module is. Left to Node, from node_modules:
 * - packages loaded with `import()`: the optional engines (node-llama-cpp, pg, ioredis,
 *   better-sqlite3), loaded only when configured;
 * - `nativePackages`, whose compiled addons sit beside their JavaScript;
 * - `locatingPackages`, which find their own files by `__dirname`.
 */
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const cliDirectory = path.dirname(fileURLToPath(import.meta.url));
const entry = path.join(cliDirectory, 'dist/main.js');
const outdir = path.join(cliDirectory, 'dist/bundle');
const nativePackages = ['better-sqlite3', 'node-llama-cpp', 'bufferutil', 'utf-8-validate'];
/** CommonJS that finds files through `__dirname` (pino starts its transports' workers by path). */
const locatingPackages = ['pino', 'thread-stream'];
/** `__dirname` uses checked to be harmless: inside a try, for an optional default. */
const harmlessDirnameUses = ['@fastify/swagger/lib/util/read-package-json.js'];

/**
 * Modules find files next to themselves (`new URL('../../../web/dist', import.meta.url)`):
 * in the bundle each keeps its own location, computed from the bundle's, so the bundle works
 * wherever the repository is. And a module required from another package's location
 * (`createRequire(import.meta.resolve('fastify'))('@fastify/fast-json-stringify-compiler')`)
 * is resolved from there now and bundled, rather than loaded file by file at run time.
 */
const ownLocations = {
  name: 'own-locations',
  setup(builder) {
    builder.onLoad({ filter: /\.m?js$/ }, async (args) => {
      let source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.')) return undefined;
      source = source.replace(/\bcreateRequire\(import\.meta\.resolve\((['"])([^'"]+)\1\)\)\((['"])([^'"]+)\3\)/g, (_, _quote, from, _quote2, name) => {
        const fromPath = createRequire(args.path).resolve(from);
        return `require(${JSON.stringify(createRequire(fromPath).resolve(name))})`;
      });
      // Every output file is in `outdir`, so this is right for whichever chunk the module lands in.
      const relative = path.relative(outdir, args.path).split(path.sep).join('/');
      return { contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(relative)}, import.meta.url).href`), loader: 'js' };
    });
  },
};

/** A package imported with `import()` is optional at run time: left to Node, loaded on use. */
const lazyPackagesExternal = {
  name: 'lazy-packages-external',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, (args) => (args.kind === 'dynamic-import' && !args.path.startsWith('node:') ? { path: args.path, external: true } : undefined));
  },
};

const started = performance.now();
rmSync(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: { sutazai: entry },
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: [...nativePackages, ...locatingPackages],
  plugins: [ownLocations, lazyPackagesExternal],
  // CommonJS dependencies call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as __sutazaiCreateRequire } from 'node:module';\nconst require = __sutazaiCreateRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});

// A bundled CommonJS module's `__dirname` is undefined in an ES module: name it here or keep it out.
const outputs = Object.entries(result.metafile.outputs);
const unlocated = new Set();
for (const [file] of outputs) {
  let module = '';
  for (const match of readFileSync(file, 'utf8').matchAll(/^\/\/ (\S+)$|\b__(?:dirname|filename)\b/gm)) {
    if (match[1]) module = match[1];
    else if (!harmlessDirnameUses.some((harmless) => module.endsWith(harmless))) unlocated.add(module);
  }
}
if (unlocated.size > 0) {
  process.stderr.write(`The bundle uses __dirname or __filename in ${[...unlocated].join(', ')}: add the package to locatingPackages in ${path.relative(process.cwd(), fileURLToPath(import.meta.url))}.\n`);
  process.exit(1);
}
const [, main] = outputs.find(([, output]) => output.entryPoint !== undefined);
const loadedAtStart = main.imports.filter((imported) => imported.external && !imported.path.startsWith('node:') && imported.kind === 'import-statement').map((imported) => imported.path);
const megabytes = (bytes) => (bytes / 1e6).toFixed(1);
process.stderr.write(
  `bundled ${Object.keys(result.metafile.inputs).length} modules into ${path.relative(process.cwd(), outdir)} in ${Math.round(performance.now() - started)} ms: ` +
  `${megabytes(main.bytes)} MB read at start, ${megabytes(outputs.reduce((sum, [, output]) => sum + output.bytes, 0) - main.bytes)} MB in ${outputs.length - 1} chunks read when used; ` +
  `from node_modules at start: ${[...new Set(loadedAtStart)].join(', ') || 'nothing'}\n`,
);
