/**
 * `knowledge_search`: lets an agent search the knowledge bases of its turn (its own and the
 * request's) when it decides to, rather than only once before answering.
 */
import type { Tool } from '../agents/tools/tool.js';
import type { KnowledgeService } from './knowledge-service.js';

const parameters = {
  type: 'object',
  properties: {
    query: { type: 'string', minLength: 1, maxLength: 500, description: 'What to look for, in a few words or a question.' },
    k: { type: 'integer', minimum: 1, maximum: 10, description: 'How many passages (default 5).' },
  },
  required: ['query'],
  additionalProperties: false,
};

export function createKnowledgeSearchTool(knowledge: Pick<KnowledgeService, 'search'>): Tool {
  return {
    name: 'knowledge_search',
    description: 'Searches the knowledge bases attached to this conversation and returns numbered passages with their document names. Cite them by document name.',
    parameters,
    source: 'builtin',
    async execute(args, context) {
      const query = typeof args.query === 'string' ? args.query.trim() : '';
      if (!query || query.length > 500) return { content: '`query` must be a text of 1 to 500 characters.', isError: true };
      const k = args.k === undefined ? 5 : Number(args.k);
      if (!Number.isInteger(k) || k < 1 || k > 10) return { content: '`k` must be a whole number from 1 to 10.', isError: true };
      const bases = context.knowledgeBases ?? [];
      if (bases.length === 0) return { content: 'No knowledge base is attached to this conversation or agent, so there is nothing to search.', isError: true };
      const { results, diagnostics } = await knowledge.search(context.ownerId, bases, { query, k, mode: 'hybrid' });
      if (results.length === 0) return { content: `Nothing found. ${diagnostics.join(' ')}`.trim() };
      return { content: results.map((r, i) => `[${i + 1}] ${r.document_name}${r.heading_path.length ? ` (${r.heading_path.join(' > ')})` : ''}:\n${r.text}`).join('\n\n') };
    },
  };
}
