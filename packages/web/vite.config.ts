import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { backendUrl, checkBackend } from './dev/backend-check.js';

const backend = backendUrl(process.env);
const proxy = Object.fromEntries(['/api', '/v1', '/health'].map((prefix) => [prefix, { target: backend.url, changeOrigin: false, ws: prefix === '/api' }]));

/** Refuses to start a dev or preview server whose BACKEND_URL is not a SutazAI API. */
function backendCheck(): Plugin {
  const check = async () => {
    if (!backend.given) return;
    try {
      await checkBackend(backend.url);
    } catch (error) {
      process.stderr.write(`\n[sutazai-web] ${(error as Error).message}\n\n`);
      process.exit(1);
    }
  };
  return { name: 'sutazai-backend-check', apply: 'serve', configureServer: check, configurePreviewServer: check };
}

/**
 * The contracts package only declares schemas: importing one helper from it (the SSE reader)
 * must not bring TypeBox and every schema into the bundle. Its modules have no side effects.
 */
function contractsWithoutSideEffects(): Plugin {
  return {
    name: 'sutazai-contracts-side-effect-free',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (!importer?.includes('/packages/contracts/') && source !== '@sutazai/contracts') return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      if (!resolved || !resolved.id.includes('/packages/contracts/dist/')) return null;
      return { ...resolved, moduleSideEffects: false };
    },
  };
}

export default defineConfig({
  plugins: [react(), backendCheck(), contractsWithoutSideEffects()],
  server: { port: 11000, strictPort: true, host: '127.0.0.1', proxy },
  preview: { port: 11000, strictPort: true, host: '127.0.0.1', proxy },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The server's CSP forbids inline scripts; assets stay files, never data: URLs.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 700,
  },
});
