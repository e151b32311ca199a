/**
 * `sutazai migrate` copying an embedded installation to PostgreSQL: rows per second, next to a
 * plain copy of the same rows in the same run (read each table from SQLite, multi-row INSERTs
 * of the same batch size into a fresh schema; no progress, no upsert, no verification), which
 * is what resumability and the per-batch transaction cost. Then the same command again on the
 * complete target: the time to only verify (count and checksum both sides).
 *
 * The source is made with the server's own schema (its migrations, via openStorage) and filled
 * with conversations, messages and knowledge chunks of realistic size. Needs PostgreSQL
 * (SUTAZAI_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test; fresh schemas,
 * dropped afterwards). Alone: node bench/migrate-bench.mjs (after `npx tsc -b packages/cli`);
 * in the suite: node bench/run.mjs --only migrate.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { removeTemporaryFolders, runJsonProcess, temporaryFolder, unbundledCliEntry } from './processes.mjs';
import { createReport } from './report.mjs';
import { round } from './statistics.mjs';

const BATCH = 500;

export async function runMigrateBench({ report, log, quick = false, conversations = quick ? 300 : 2_000, messagesPerConversation = 10, chunks = quick ? 2_000 : 10_000 }) {
  const postgresURL = process.env.SUTAZAI_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const { openStorage } = await import(new URL('../packages/server/dist/storage/database.js', import.meta.url).href);
  const { COPIED_TABLES } = await import(new URL('../packages/server/dist/migrate/migration-tables.js', import.meta.url).href);
  const home = temporaryFolder('migrate');
  const file = path.join(home, 'data', 'sutazai.db');
  await (await openStorage({ kind: 'sqlite', file })).close();
  const rows = fill(file, { conversations, messagesPerConversation, chunks });
  log(`migrate: ${rows} rows (${conversations} conversations × ${messagesPerConversation} messages, ${chunks} knowledge chunks) from ${file}`);

  const schemas = [];
  const newSchema = () => {
    const schema = `bench_migrate_${randomBytes(5).toString('hex')}`;
    schemas.push(schema);
    return schema;
  };
  try {
    // The baseline: the same rows, the same batch size, nothing but INSERTs.
    const baselineSchema = newSchema();
    await (await openStorage({ kind: 'postgres', url: postgresURL, schema: baselineSchema })).close();
    const baselineSeconds = await plainCopy(file, postgresURL, baselineSchema, COPIED_TABLES.map((table) => table.name));
    const baselineRate = rows / baselineSeconds;
    log(`  plain INSERTs: ${baselineSeconds.toFixed(2)} s, ${Math.round(baselineRate)} rows/s`);

    const schema = newSchema();
    const args = ['--from', `sqlite:${file}`, '--to', `${postgresURL}?schema=${schema}`, '--batch-size', String(BATCH), '--json'];
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, VECTOR_STORE: 'embedded', DATA_DIR: path.join(home, 'target') };
    const first = await migrate(args, env);
    if (!first.report.ok || first.report.copied_rows !== rows) throw new Error(`migrate did not copy every row: ${JSON.stringify(first.report)}`);
    const rate = first.report.copied_rows / first.report.copy_seconds;
    log(`  sutazai migrate: copy ${first.report.copy_seconds.toFixed(2)} s (${Math.round(rate)} rows/s), whole command ${first.seconds.toFixed(2)} s with verification`);
    report.figure({
      bench: 'migrate', figure: 'rows_per_second', value: Math.round(rate), unit: 'rows/s', baseline: Math.round(baselineRate),
      details: { rows, batch_size: BATCH, copy_s: first.report.copy_seconds, command_s: round(first.seconds), baseline_s: round(baselineSeconds), ratio: round(rate / baselineRate) },
    });
    const again = await migrate(args, env);
    if (!again.report.ok || !again.report.already_complete) throw new Error(`the second run was not a verification only: ${JSON.stringify(again.report)}`);
    log(`  again on the complete target: ${again.seconds.toFixed(2)} s (verification only)`);
    report.figure({ bench: 'migrate', figure: 'verify_only_seconds', value: again.seconds, unit: 's', details: { rows, rows_per_second: Math.round(rows / again.seconds) } });
  } finally {
    const client = new pg.Client({ connectionString: postgresURL });
    await client.connect();
    for (const schema of schemas) await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
  }
}

async function migrate(args, env) {
  const started = performance.now();
  const report = await runJsonProcess('sutazai migrate', [unbundledCliEntry, 'migrate', ...args], { env });
  return { report, seconds: (performance.now() - started) / 1000 };
}

/** Rows as the server writes them: a user, conversations with replies, a knowledge base's chunks. */
function fill(file, { conversations, messagesPerConversation, chunks }) {
  const db = new Database(file);
  const now = Date.now();
  const text = (i, length) => `${i} `.concat('The lighthouse keeper logged the weather, the ships and the lamp. '.repeat(Math.ceil(length / 66))).slice(0, length);
  db.transaction(() => {
    db.prepare(`insert into users (id, email, name, role, password_hash, disabled, created_at, updated_at) values ('usr_bench', 'bench@example.com', 'Bench', 'admin', 'x', 0, ?, ?)`).run(now, now);
    const conversation = db.prepare(`insert into conversations (owner_id, id, title, agent, message_count, created_at, updated_at) values ('usr_bench', ?, ?, 'jarvis', ?, ?, ?)`);
    const message = db.prepare(`insert into messages (id, owner_id, conversation_id, role, content, status, model, provider, prompt_tokens, completion_tokens, created_at, updated_at)
      values (?, 'usr_bench', ?, ?, ?, 'complete', 'scripted', 'openai-compatible', 12, 40, ?, ?)`);
    for (let c = 0; c < conversations; c++) {
      conversation.run(`conv-${c}`, `Conversation ${c}`, messagesPerConversation, now + c, now + c);
      for (let m = 0; m < messagesPerConversation; m++) message.run(`msg-${c}-${m}`, `conv-${c}`, m % 2 ? 'assistant' : 'user', text(m, m % 2 ? 600 : 120), now + c * 100 + m, now + c * 100 + m);
    }
    db.prepare(`insert into knowledge_bases (id, owner_id, name, description, created_at, updated_at) values ('kb_bench', 'usr_bench', 'Bench', '', ?, ?)`).run(now, now);
    db.prepare(`insert into knowledge_documents (id, owner_id, knowledge_base_id, name, source, status, progress, chunk_count, created_at, updated_at) values ('doc_bench', 'usr_bench', 'kb_bench', 'log.md', 'upload', 'indexed', 100, ?, ?, ?)`).run(chunks, now, now);
    const chunk = db.prepare(`insert into knowledge_chunks (id, owner_id, knowledge_base_id, document_id, position, text, heading_path, start_offset, end_offset) values (?, 'usr_bench', 'kb_bench', 'doc_bench', ?, ?, '["Log"]', ?, ?)`);
    for (let i = 0; i < chunks; i++) chunk.run(`chunk-${i}`, i, text(i, 800), i * 800, (i + 1) * 800);
  })();
  const total = ['users', 'conversations', 'messages', 'knowledge_bases', 'knowledge_documents', 'knowledge_chunks']
    .reduce((sum, table) => sum + db.prepare(`select count(*) as n from ${table}`).get().n, 0);
  db.close();
  return total;
}

/** Each table read whole from SQLite and written with multi-row INSERTs of BATCH rows: the least a copy does. */
async function plainCopy(file, url, schema, tables) {
  const source = new Database(file, { readonly: true });
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await client.connect();
  const started = performance.now();
  try {
    for (const table of tables) {
      const rows = source.prepare(`select * from ${table}`).all();
      for (let start = 0; start < rows.length; start += BATCH) {
        const batch = rows.slice(start, start + BATCH);
        const columns = Object.keys(batch[0]);
        const values = batch.map((_, r) => `(${columns.map((__, c) => `$${r * columns.length + c + 1}`).join(', ')})`);
        await client.query(`insert into ${table} (${columns.map((column) => `"${column}"`).join(', ')}) values ${values.join(', ')}`, batch.flatMap((row) => columns.map((column) => row[column])));
      }
    }
    return (performance.now() - started) / 1000;
  } finally {
    source.close();
    await client.end();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const report = createReport();
  try {
    await runMigrateBench({ report, log: (message) => process.stderr.write(`[bench] ${message}\n`) });
  } finally {
    removeTemporaryFolders();
  }
  report.summary();
}
