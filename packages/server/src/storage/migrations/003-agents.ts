import { sql, type Kysely } from 'kysely';

/**
 * Users' agents get knowledge bases and limits; a reply's tool calls are stored as child
 * messages of it; background agent runs get a table.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('agents').addColumn('knowledge_bases', 'text', (c) => c.notNull().defaultTo(sql`'[]'`)).execute();
  await db.schema.alterTable('agents').addColumn('limits', 'text', (c) => c.notNull().defaultTo(sql`'{}'`)).execute();

  // A tool message belongs to the reply that called it (parent_id), in the round (step) it was
  // called in; tool_arguments is the call's JSON. Replies themselves have parent_id null.
  for (const [name, type] of [['parent_id', 'text'], ['step', 'integer'], ['tool_call_id', 'text'], ['tool_name', 'text'], ['tool_arguments', 'text']] as const) {
    await db.schema.alterTable('messages').addColumn(name, type).execute();
  }
  await db.schema.createIndex('messages_parent').on('messages').columns(['parent_id', 'created_at']).execute();

  await db.schema.createTable('agent_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('input', 'text', (c) => c.notNull())
    .addColumn('model', 'text')
    .addColumn('conversation_id', 'text')
    .addColumn('message_id', 'text')
    .addColumn('result', 'text')
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .execute();
  await db.schema.createIndex('agent_runs_owner_created').on('agent_runs').columns(['owner_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('agent_runs_status').on('agent_runs').columns(['status', 'updated_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('agent_runs').execute();
  await db.schema.dropIndex('messages_parent').execute();
  for (const name of ['parent_id', 'step', 'tool_call_id', 'tool_name', 'tool_arguments']) await db.schema.alterTable('messages').dropColumn(name).execute();
  for (const name of ['knowledge_bases', 'limits']) await db.schema.alterTable('agents').dropColumn(name).execute();
}
