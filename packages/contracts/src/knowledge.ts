import { Type, type Static } from '@sinclair/typebox';

export const KnowledgeBaseCreateRequest = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.Optional(Type.String({ maxLength: 2000 })),
}, { additionalProperties: false });
export type KnowledgeBaseCreateRequest = Static<typeof KnowledgeBaseCreateRequest>;

export const KnowledgeBase = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  embedding_model: Type.Union([Type.String(), Type.Null()], { description: 'The model its vectors were made with; null before any.' }),
  document_count: Type.Integer(),
  chunk_count: Type.Integer(),
  created_at: Type.Integer(),
  updated_at: Type.Integer(),
});
export type KnowledgeBase = Static<typeof KnowledgeBase>;

export const KnowledgeBaseList = Type.Object({ items: Type.Array(KnowledgeBase) });

export const DocumentStatus = Type.Union([Type.Literal('queued'), Type.Literal('processing'), Type.Literal('indexed'), Type.Literal('failed')]);

export const KnowledgeDocument = Type.Object({
  id: Type.String(),
  knowledge_base_id: Type.String(),
  name: Type.String(),
  source: Type.Union([Type.Literal('upload'), Type.Literal('url')]),
  url: Type.Union([Type.String(), Type.Null()]),
  content_type: Type.Union([Type.String(), Type.Null()]),
  size_bytes: Type.Union([Type.Integer(), Type.Null()]),
  status: DocumentStatus,
  progress: Type.Integer({ minimum: 0, maximum: 100 }),
  stage: Type.Union([Type.String(), Type.Null()]),
  error_code: Type.Union([Type.String(), Type.Null()]),
  error_message: Type.Union([Type.String(), Type.Null()]),
  chunk_count: Type.Integer(),
  vector_count: Type.Integer(),
  embedding_model: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.Integer(),
  updated_at: Type.Integer(),
  indexed_at: Type.Union([Type.Integer(), Type.Null()]),
});
export type KnowledgeDocument = Static<typeof KnowledgeDocument>;

export const KnowledgeDocumentList = Type.Object({ items: Type.Array(KnowledgeDocument) });

export const AddDocumentByUrlRequest = Type.Object({
  url: Type.String({ minLength: 1, maxLength: 2048 }),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
}, { additionalProperties: false });

export const SearchMode = Type.Union([Type.Literal('hybrid'), Type.Literal('fulltext'), Type.Literal('vector')]);
export type SearchMode = Static<typeof SearchMode>;

export const KnowledgeSearchRequest = Type.Object({
  query: Type.String({ minLength: 1, maxLength: 2000 }),
  k: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 5 })),
  mode: Type.Optional(SearchMode),
  document_ids: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })),
}, { additionalProperties: false });
export type KnowledgeSearchRequest = Static<typeof KnowledgeSearchRequest>;

export const SearchResult = Type.Object({
  chunk_id: Type.String(),
  document_id: Type.String(),
  document_name: Type.String(),
  knowledge_base_id: Type.String(),
  text: Type.String(),
  heading_path: Type.Array(Type.String()),
  page: Type.Union([Type.Integer(), Type.Null()]),
  score: Type.Number({ description: 'The fused score (hybrid) or the one method\'s score.' }),
  scores: Type.Object({
    fulltext: Type.Union([Type.Number(), Type.Null()]),
    fulltext_rank: Type.Union([Type.Integer(), Type.Null()]),
    vector: Type.Union([Type.Number(), Type.Null()]),
    vector_rank: Type.Union([Type.Integer(), Type.Null()]),
  }),
});
export type SearchResult = Static<typeof SearchResult>;

export const KnowledgeSearchResponse = Type.Object({
  results: Type.Array(SearchResult),
  mode: SearchMode,
  /** Why the results are what they are: methods skipped, nothing indexed, no terms matched... */
  diagnostics: Type.Array(Type.String()),
  embedding_model: Type.Union([Type.String(), Type.Null()]),
});
export type KnowledgeSearchResponse = Static<typeof KnowledgeSearchResponse>;

export const Citation = Type.Object({
  n: Type.Integer({ minimum: 1 }),
  document_id: Type.String(),
  document_name: Type.String(),
  knowledge_base_id: Type.String(),
  chunk_id: Type.String(),
  text: Type.String(),
});
export type Citation = Static<typeof Citation>;
