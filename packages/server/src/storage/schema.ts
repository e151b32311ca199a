/** Table shapes as the query layer sees them. Times are epoch milliseconds. */
import type { Generated } from 'kysely';

export type MessageStatus = 'generating' | 'complete' | 'interrupted' | 'error';
export type MessageRole = 'system' | 'user' | 'assistant' | 'tool';

export type UserRole = 'admin' | 'user';

export interface UsersTable {
  id: string;
  email: string | null;
  name: string;
  role: UserRole;
  password_hash: string | null;
  /** 0 or 1: portable across SQLite and PostgreSQL. */
  disabled: Generated<number>;
  created_at: number;
  updated_at: Generated<number>;
}

export interface SessionsTable {
  id: string;
  owner_id: string;
  token_hash: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

export interface ApiKeysTable {
  id: string;
  owner_id: string;
  name: string;
  prefix: string;
  key_hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface ConversationsTable {
  owner_id: string;
  id: string;
  title: string;
  agent: string | null;
  message_count: Generated<number>;
  created_at: number;
  updated_at: number;
}

export interface MessagesTable {
  id: string;
  owner_id: string;
  conversation_id: string;
  role: MessageRole;
  content: string;
  status: MessageStatus;
  model: string | null;
  provider: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  time_to_first_token_ms: number | null;
  duration_ms: number | null;
  error_code: string | null;
  created_at: number;
  updated_at: number;
  /** Tool messages: the reply that made the call, its round, the call's id, tool and JSON arguments. */
  parent_id: Generated<string | null>;
  step: Generated<number | null>;
  tool_call_id: Generated<string | null>;
  tool_name: Generated<string | null>;
  tool_arguments: Generated<string | null>;
  /** JSON: the passages a reply was answered from, numbered as cited. */
  citations: Generated<string | null>;
}

export interface AgentsTable {
  id: string;
  owner_id: string;
  name: string;
  description: string;
  system_prompt: string;
  model: string | null;
  /** JSON arrays and object, as text: portable across both engines. */
  tools: string;
  knowledge_bases: Generated<string>;
  limits: Generated<string>;
  created_at: number;
  updated_at: number;
}

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface AgentRunsTable {
  id: string;
  owner_id: string;
  agent_id: string;
  status: RunStatus;
  input: string;
  model: string | null;
  conversation_id: string | null;
  message_id: string | null;
  result: string | null;
  error_code: string | null;
  error_message: string | null;
  attempts: Generated<number>;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

export type DocumentStatus = 'queued' | 'processing' | 'indexed' | 'failed';

export interface KnowledgeBasesTable {
  id: string;
  owner_id: string;
  name: string;
  description: Generated<string>;
  embedding_model: string | null;
  embedding_dimensions: number | null;
  created_at: number;
  updated_at: number;
}

export interface KnowledgeDocumentsTable {
  id: string;
  owner_id: string;
  knowledge_base_id: string;
  name: string;
  source: 'upload' | 'url';
  url: string | null;
  content_type: string | null;
  size_bytes: number | null;
  status: DocumentStatus;
  /** 0-100. */
  progress: Generated<number>;
  /** What ingestion is doing: fetching, parsing, chunking, embedding... */
  stage: string | null;
  error_code: string | null;
  error_message: string | null;
  chunk_count: Generated<number>;
  vector_count: Generated<number>;
  embedding_model: string | null;
  created_at: number;
  updated_at: number;
  indexed_at: number | null;
}

export interface KnowledgeUploadsTable {
  document_id: string;
  bytes: Uint8Array;
}

export interface KnowledgeChunksTable {
  id: string;
  owner_id: string;
  knowledge_base_id: string;
  document_id: string;
  position: number;
  text: string;
  /** JSON array of the headings above the chunk. */
  heading_path: string;
  start_offset: number;
  end_offset: number;
  page: number | null;
}

export interface Database {
  users: UsersTable;
  conversations: ConversationsTable;
  messages: MessagesTable;
  agents: AgentsTable;
  agent_runs: AgentRunsTable;
  knowledge_bases: KnowledgeBasesTable;
  knowledge_documents: KnowledgeDocumentsTable;
  knowledge_uploads: KnowledgeUploadsTable;
  knowledge_chunks: KnowledgeChunksTable;
  sessions: SessionsTable;
  api_keys: ApiKeysTable;
  settings: SettingsTable;
}
