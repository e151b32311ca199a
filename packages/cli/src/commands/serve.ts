import { ConfigError, loadConfig, startServer } from '@sutazai/server';

export async function serveCommand(): Promise<number> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`SutazAI cannot start: the configuration is invalid.\n${error.problems.map((p) => `  - ${p}`).join('\n')}\nRun \`sutazai config check\` after fixing it.`);
      return 2;
    }
    throw error;
  }
  const server = await startServer(config).catch((error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    const hint = /EADDRINUSE/.test(reason) ? ` Another process uses port ${config.PORT}: stop it or set PORT to a free port.`
      : /EADDRNOTAVAIL/.test(reason) ? ` HOST=${config.HOST} is not an address of this machine.` : '';
    console.error(`SutazAI could not start: ${reason}.${hint}`);
    return undefined;
  });
  if (!server) return 1;
  server.app.log.info({ url: server.url, database: server.platform.storage.describe() }, `SutazAI is serving on ${server.url}`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    // \`on\`, not \`once\`: a library's own signal handler (signal-exit, loaded with the model engine)
    // re-raises the signal when it believes it is the last listener, which would kill the process
    // before the replies are stored. A second signal while stopping forces the exit.
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        server.app.log.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      stopping = true;
      server.app.log.info({ signal }, 'shutting down: replies being generated are stored as interrupted');
      void server.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}
