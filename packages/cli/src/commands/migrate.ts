import { ConfigError, MigrationError, loadConfig, runMigration, sourceDatabaseFile, targetDatabase, type MigrationReport } from '@sutazai/server';

export interface MigrateCommandOptions {
  from: string | undefined;
  to: string | undefined;
  dataDir: string | undefined;
  vectorStore: string | undefined;
  qdrantUrl: string | undefined;
  targetDataDir: string | undefined;
  batchSize: string | undefined;
  dryRun: boolean;
  json: boolean;
}

const VECTOR_STORES = ['embedded', 'pgvector', 'qdrant'];

/**
 * Exit status: 0 copied (or already complete) and verified equal, or a dry run with nothing
 * refused; 1 a table or collection differs after the copy, or the copy stopped midway (run it
 * again to resume); 2 bad input (options, files, a server that does not answer, a vector store
 * that cannot take the vectors); 3 the target holds data of another installation.
 */
export async function migrateCommand(options: MigrateCommandOptions): Promise<number> {
  const fail = (code: number, message: string) => {
    if (options.json) console.log(JSON.stringify({ ok: false, exit_code: code, error: message }, null, 2));
    else console.error(message);
    return code;
  };
  if (!options.from || !options.to) {
    return fail(2, `sutazai migrate needs --from and --to: sutazai migrate --from sqlite:./data/sutazai.db --to postgres://user:pass@host:5432/sutazai`);
  }
  const batchSize = options.batchSize === undefined ? 500 : Number(options.batchSize);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 5000) return fail(2, `--batch-size ${options.batchSize} is not a whole number from 1 to 5000. Fix: leave it out (500), or pass e.g. --batch-size 1000.`);
  if (options.vectorStore !== undefined && !VECTOR_STORES.includes(options.vectorStore)) {
    return fail(2, `--vector-store ${options.vectorStore} is not a vector store. Fix: --vector-store embedded, pgvector or qdrant (default: VECTOR_STORE, as the server chooses).`);
  }
  const cwd = process.cwd();
  let config;
  try {
    sourceDatabaseFile(options.from, cwd);
    targetDatabase(options.to, cwd);
    // The target's vector store is chosen as a server on the target would choose it: its
    // environment and sutazai.config.json, with --to as DATABASE_URL and the options on top.
    config = loadConfig({
      cwd,
      env: {
        ...process.env,
        DATABASE_URL: options.to,
        ...(options.vectorStore ? { VECTOR_STORE: options.vectorStore } : {}),
        ...(options.qdrantUrl ? { QDRANT_URL: options.qdrantUrl } : {}),
        ...(options.targetDataDir ? { DATA_DIR: options.targetDataDir } : {}),
      },
    });
  } catch (error) {
    if (error instanceof MigrationError) return fail(2, error.message);
    if (error instanceof ConfigError) return fail(2, `The target's configuration is invalid (environment, sutazai.config.json and the migrate options):\n${error.problems.map((problem) => `  - ${problem}`).join('\n')}`);
    throw error;
  }

  const pauseAfter = Number(process.env.SUTAZAI_MIGRATE_PAUSE_AFTER_BATCHES ?? 0);
  let lastLine = 0;
  try {
    const report = await runMigration({
      from: options.from, dataDir: options.dataDir, target: config, cwd, dryRun: options.dryRun, batchSize,
      hooks: {
        onProgress: ({ item, copied, done }) => {
          // Progress goes to stderr: stdout is the report (--json).
          if (done || Date.now() - lastLine > 2000) {
            lastLine = Date.now();
            process.stderr.write(`  ${item.replace(/^table:/, '').replace(/^vectors:/, 'vectors ')}: ${copied} copied${done ? ', done' : ''}\n`);
          }
        },
        // A test hook: hold still after batch N, so a test can kill the process at a known point.
        ...(pauseAfter > 0 ? {
          afterBatch: async (batch: number) => {
            if (batch !== pauseAfter) return;
            process.stderr.write(`paused after batch ${batch}\n`);
            await new Promise(() => setInterval(() => undefined, 60_000));
          },
        } : {}),
      },
    });
    console.log(options.json ? JSON.stringify({ ...report, exit_code: report.ok ? 0 : 1 }, null, 2) : formatMigrationReport(report));
    return report.ok ? 0 : 1;
  } catch (error) {
    if (error instanceof MigrationError) return fail(error.kind === 'refused' ? 3 : 2, error.message);
    return fail(1, `The migration stopped: ${(error as Error).message.split('\n')[0]} Run the same command again: it resumes after the last batch written.`);
  }
}

export function formatMigrationReport(report: MigrationReport): string {
  const short = (checksum: string) => checksum.slice(0, 12);
  const lines = [
    `${report.dry_run ? 'Dry run (nothing written): ' : ''}${report.source.database} → ${report.target.database}`,
    `  vectors: ${report.source.vectors} → ${report.target.vectors}`,
  ];
  if (report.already_complete) lines.push('  Nothing left to copy (an earlier run finished): verified only.');
  else if (report.resumed && !report.dry_run) lines.push('  Resumed an earlier run.');
  lines.push('');
  const rows = [
    ...report.tables.map((table) => [table.name, table.source_rows, short(table.source_checksum), table.target_rows, short(table.target_checksum), table.copied_now, table.status]),
    ...report.vectors.map((collection) => [`vectors ${collection.collection}`, collection.source_vectors, short(collection.source_checksum), collection.target_vectors, short(collection.target_checksum), collection.copied_now, collection.status]),
  ].map((row) => row.map(String));
  const header = ['', 'source', 'checksum', 'target', 'checksum', 'copied now', ''];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const numeric = new Set([1, 3, 5]);
  const line = (cells: string[]) => `  ${cells.map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  lines.push(line(header), ...rows.map(line), '');
  if (!report.dry_run) {
    lines.push(`Copied ${count(report.copied_rows, 'row')} and ${count(report.copied_vectors, 'vector')} in ${report.copy_seconds} s${report.items_per_second === null ? '' : ` (${report.items_per_second} per second)`}.`);
  }
  if (report.problems.length > 0) lines.push(...report.problems.map((problem) => `Problem: ${problem}`));
  else if (report.dry_run) lines.push(`Nothing refused. ${[...report.tables, ...report.vectors].filter((item) => item.status !== 'equal').length} of ${report.tables.length + report.vectors.length} still to copy.`);
  else lines.push(`Verified: every table and vector collection has the same count and checksum on both sides.`);
  return lines.join('\n');
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString('en')} ${noun}${n === 1 ? '' : 's'}`;
}
