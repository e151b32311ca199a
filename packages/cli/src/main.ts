#!/usr/bin/env node
/**
 * `sutazai`: serve, config check, config docs, models list, chat, doctor, migrate.
 */
import { parseArgs } from 'node:util';
import { chatCommand } from './commands/chat.js';
import { configCheckCommand, configDocsCommand } from './commands/config.js';
import { doctorCommand } from './commands/doctor.js';
import { migrateCommand } from './commands/migrate.js';
import { modelsListCommand } from './commands/models.js';
import { serveCommand } from './commands/serve.js';
import { setToken } from './commands/http.js';

const usage = `Usage: sutazai <command>

  serve                      start the API and the web UI (configured by environment variables)
  config check               validate the configuration and print it, secrets masked
  config docs                print the README tables (configuration, error codes) from their schemas
  models list [--url URL]    list the models a running server can use
  chat "message" [--url URL] [--model NAME] [--session ID] [--agent NAME]
                             send a message to a running server and print the streamed reply
  doctor [--url URL] [--json] [--slow-ms N] [--timeout-ms N]
                             check every configured dependency (and the API at URL) from here:
                             name, port, protocol, sign-in, version, latency; prints each fix
  migrate --from sqlite:PATH --to postgres://URL [--data-dir DIR] [--vector-store KIND]
          [--qdrant-url URL] [--target-data-dir DIR] [--batch-size N] [--dry-run] [--json]
                             copy an embedded installation (SQLite + vectors) to PostgreSQL and the
                             configured vector store, resumable; verify counts and checksums.
                             Exit 0 equal, 1 differs or stopped (run again to resume), 2 bad input,
                             3 the target holds another installation's data

Options:
  --url URL    server to talk to (default: $SUTAZAI_URL or http://127.0.0.1:10200)
  --token T    a session token or API key (default: $SUTAZAI_API_KEY or $SUTAZAI_TOKEN)
  --json       machine-readable output (config check, models list, doctor, migrate)
  -h, --help   this text`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      model: { type: 'string' },
      session: { type: 'string' },
      agent: { type: 'string' },
      token: { type: 'string' },
      json: { type: 'boolean', default: false },
      'slow-ms': { type: 'string' },
      'timeout-ms': { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      'data-dir': { type: 'string' },
      'vector-store': { type: 'string' },
      'qdrant-url': { type: 'string' },
      'target-data-dir': { type: 'string' },
      'batch-size': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const url = (values.url ?? process.env.SUTAZAI_URL ?? 'http://127.0.0.1:10200').replace(/\/+$/, '');
  setToken(values.token ?? process.env.SUTAZAI_API_KEY ?? process.env.SUTAZAI_TOKEN);
  const [command, sub, ...rest] = positionals;
  if (values.help || !command) {
    console.log(usage);
    return command || values.help ? 0 : 2;
  }
  if (command === 'serve') return serveCommand();
  if (command === 'config' && sub === 'check') return configCheckCommand({ json: values.json });
  if (command === 'config' && sub === 'docs') return configDocsCommand();
  if (command === 'doctor') {
    const [slowMs, timeoutMs] = [values['slow-ms'], values['timeout-ms']].map((text) => (text === undefined ? undefined : Number(text)));
    if ([slowMs, timeoutMs].some((ms) => ms !== undefined && !(Number.isInteger(ms) && ms > 0))) {
      console.error('--slow-ms and --timeout-ms take a whole number of milliseconds, e.g. --slow-ms 500');
      return 2;
    }
    return doctorCommand({ json: values.json, url: values.url ?? process.env.SUTAZAI_URL, token: values.token ?? process.env.SUTAZAI_API_KEY ?? process.env.SUTAZAI_TOKEN, slowMs, timeoutMs });
  }
  if (command === 'migrate') {
    return migrateCommand({
      from: values.from, to: values.to, dataDir: values['data-dir'], vectorStore: values['vector-store'], qdrantUrl: values['qdrant-url'],
      targetDataDir: values['target-data-dir'], batchSize: values['batch-size'], dryRun: values['dry-run'], json: values.json,
    });
  }
  if (command === 'models' && (sub === 'list' || sub === undefined)) return modelsListCommand({ url, json: values.json });
  if (command === 'chat') {
    const message = [sub, ...rest].filter(Boolean).join(' ');
    if (!message) {
      console.error('sutazai chat needs a message: sutazai chat "Hello"');
      return 2;
    }
    return chatCommand({ url, message, model: values.model, session: values.session, agent: values.agent });
  }
  console.error(`Unknown command: ${positionals.join(' ')}\n\n${usage}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
