import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { type Citation, ConversationDetail, ConversationId, ConversationList, ConversationListQuery, ErrorResponse, ExportQuery, RenameConversationRequest, type ConversationSummary, type Message } from '@sutazai/contracts';
import { AppError } from '../../errors/catalogue.js';
import type { Storage } from '../../storage/database.js';
import { deleteConversation, getConversation, listConversations, renameConversation, type ConversationRow } from '../../storage/conversations-repository.js';
import { decodeCursor } from '../../storage/keyset-cursor.js';
import { listMessages, storedToolCall, toolMessagesOf, type MessageRow } from '../../storage/messages-repository.js';

const Params = Type.Object({ id: ConversationId });
const notFound = { 404: ErrorResponse, 400: ErrorResponse };

export function conversationRoutes(storage: Storage) {
  const db = storage.db;
  const load = async (ownerId: string, id: string) => {
    const conversation = await getConversation(db, ownerId, id);
    if (!conversation) throw new AppError('CONVERSATION_NOT_FOUND', `No conversation "${id}".`);
    const rows = await listMessages(db, ownerId, id);
    const toolRows = await toolMessagesOf(db, ownerId, rows.filter((m) => m.role === 'assistant').map((m) => m.id));
    return { ...summary(conversation), messages: rows.map((row) => message(row, toolRows.filter((t) => t.parent_id === row.id))) };
  };

  return async (app: FastifyInstance) => {
    const api = app.withTypeProvider<TypeBoxTypeProvider>();

    api.get('/api/v1/conversations', {
      schema: { tags: ['conversations'], summary: 'Your conversations, newest first', querystring: ConversationListQuery, response: { 200: ConversationList, 400: ErrorResponse } },
    }, async (request) => {
      const { limit = 50, cursor, q } = request.query;
      if (cursor !== undefined && !decodeCursor(cursor)) throw new AppError('VALIDATION_FAILED', 'cursor is not a value returned as next_cursor.');
      const page = await listConversations(db, request.ownerId, { limit, cursor, q });
      return { items: page.items.map(summary), next_cursor: page.nextCursor };
    });

    api.get('/api/v1/conversations/:id', {
      schema: { tags: ['conversations'], summary: 'A conversation with its messages', params: Params, response: { 200: ConversationDetail, ...notFound } },
    }, async (request) => load(request.ownerId, request.params.id));

    api.patch('/api/v1/conversations/:id', {
      schema: { tags: ['conversations'], summary: 'Rename a conversation', params: Params, body: RenameConversationRequest, response: { 200: ConversationDetail, ...notFound } },
    }, async (request) => {
      if (!(await renameConversation(db, request.ownerId, request.params.id, request.body.title, Date.now()))) throw new AppError('CONVERSATION_NOT_FOUND');
      return load(request.ownerId, request.params.id);
    });

    api.delete('/api/v1/conversations/:id', {
      schema: { tags: ['conversations'], summary: 'Delete a conversation and its messages', params: Params, response: { 204: Type.Null({ description: 'Deleted.' }), ...notFound } },
    }, async (request, reply) => {
      if (!(await deleteConversation(db, request.ownerId, request.params.id))) throw new AppError('CONVERSATION_NOT_FOUND');
      return reply.code(204).send(null);
    });

    api.get('/api/v1/conversations/:id/export', {
      schema: { tags: ['conversations'], summary: 'Export a conversation as JSON or Markdown', params: Params, querystring: ExportQuery, response: { 200: Type.Unknown({ description: 'The conversation as a JSON or Markdown file.' }), ...notFound } },
    }, async (request, reply) => {
      const conversation = await load(request.ownerId, request.params.id);
      const format = request.query.format ?? 'json';
      const filename = `conversation-${request.params.id.replace(/[^A-Za-z0-9_-]/g, '_')}.${format}`;
      reply.header('content-disposition', `attachment; filename="${filename}"`);
      if (format === 'md') return reply.type('text/markdown; charset=utf-8').send(toMarkdown(conversation));
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(conversation, null, 2));
    });
  };
}

function summary(row: ConversationRow): ConversationSummary {
  return { id: row.id, title: row.title, agent: row.agent, message_count: row.message_count, created_at: iso(row.created_at), updated_at: iso(row.updated_at) };
}

function message(row: MessageRow, toolRows: MessageRow[]): Message {
  return {
    id: row.id, role: row.role, content: row.content, status: row.status, model: row.model, provider: row.provider,
    usage: row.completion_tokens === null ? null : { prompt_tokens: row.prompt_tokens ?? 0, completion_tokens: row.completion_tokens },
    time_to_first_token_ms: row.time_to_first_token_ms, duration_ms: row.duration_ms, error_code: row.error_code, created_at: iso(row.created_at),
    ...(row.citations ? { citations: JSON.parse(row.citations) as Citation[] } : {}),
    ...(toolRows.length > 0 ? {
      tool_calls: toolRows.map(storedToolCall).map((c) => ({ id: c.id, tool: c.name, arguments: c.arguments, content: c.content, is_error: c.isError, step: c.step })),
    } : {}),
  };
}

function toMarkdown(conversation: ConversationSummary & { messages: Message[] }): string {
  const parts = [`# ${conversation.title}`, '', `Exported from SutazAI. Conversation ${conversation.id}, started ${conversation.created_at}.`, ''];
  for (const m of conversation.messages) {
    const who = m.role === 'user' ? 'You' : m.role === 'assistant' ? `JARVIS${m.model ? ` (${m.model})` : ''}` : m.role;
    const note = m.status === 'complete' ? '' : ` _(${m.status})_`;
    parts.push(`## ${who}${note}`, '');
    for (const call of m.tool_calls ?? []) {
      parts.push(`> Tool \`${call.tool}\`${call.is_error ? ' (error)' : ''}: \`${JSON.stringify(call.arguments).replaceAll('`', "'")}\``, '', '```text', call.content.replaceAll('```', "'''"), '```', '');
    }
    parts.push(m.content, '');
  }
  return parts.join('\n');
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
