/** Every API route the UI uses, typed by the contracts. */
import { absoluteUrl, type ApiClient } from './api-client';
import { ApiError } from './api-error';
import type {
  AdminCreateUserRequest, AgentCreateRequest, AgentDuplicateRequest, AgentSummary, AgentUpdateRequest, ChangePasswordRequest, ChangePasswordResponse,
  Run, RunCreateRequest, RunList, SetupState, ToolSummary, AdminSettings, AdminUpdateUserRequest, AgentList, ApiKeyList, ConversationDetail, ConversationList,
  ConversationListQuery, CreateApiKeyRequest, CreateApiKeyResponse, ExportFormat, HealthDetailedResponse, LoginRequest, LoginResponse,
  ModelsResponse, ProviderTestRequest, ProviderTestResponse, RegisterRequest, RegisterResponse, RenameConversationRequest,
  StopStreamResponse, User, UserList, AddDocumentByUrlRequest, KnowledgeBase, KnowledgeBaseCreateRequest, KnowledgeBaseList, KnowledgeDocument,
  KnowledgeDocumentList, KnowledgeSearchRequest, KnowledgeSearchResponse, RunListQuery,
  VoiceListResponse, VoiceSynthesizeRequest, VoiceTranscriptionResponse,
} from './types';

const id = encodeURIComponent;

export function createSutazaiApi(client: ApiClient) {
  return {
    client,
    auth: {
      me: (signal?: AbortSignal) => client.get<User>('/api/v1/auth/me', { signal }),
      setup: (signal?: AbortSignal) => client.get<SetupState>('/api/v1/auth/setup', { signal }),
      changePassword: (body: ChangePasswordRequest) => client.send<ChangePasswordResponse>('POST', '/api/v1/auth/password', body),
      login: (body: LoginRequest) => client.send<LoginResponse>('POST', '/api/v1/auth/login', body),
      register: (body: RegisterRequest) => client.send<RegisterResponse>('POST', '/api/v1/auth/register', body),
      logout: () => client.send<undefined>('POST', '/api/v1/auth/logout'),
      listApiKeys: () => client.get<ApiKeyList>('/api/v1/auth/api-keys'),
      createApiKey: (body: CreateApiKeyRequest) => client.send<CreateApiKeyResponse>('POST', '/api/v1/auth/api-keys', body),
      revokeApiKey: (keyId: string) => client.send<undefined>('DELETE', `/api/v1/auth/api-keys/${id(keyId)}`),
    },
    admin: {
      listUsers: () => client.get<UserList>('/api/v1/admin/users'),
      createUser: (body: AdminCreateUserRequest) => client.send<User>('POST', '/api/v1/admin/users', body),
      updateUser: (userId: string, body: AdminUpdateUserRequest) => client.send<User>('PATCH', `/api/v1/admin/users/${id(userId)}`, body),
      settings: () => client.get<AdminSettings>('/api/v1/admin/settings'),
      updateSettings: (body: AdminSettings) => client.send<AdminSettings>('PUT', '/api/v1/admin/settings', body),
    },
    models: (signal?: AbortSignal) => client.get<ModelsResponse>('/api/v1/models/', { signal }),
    agents: (signal?: AbortSignal) => client.get<AgentList>('/api/v1/agents/', { signal }),
    agent: {
      get: (agentId: string, signal?: AbortSignal) => client.get<AgentSummary>(`/api/v1/agents/${id(agentId)}`, { signal }),
      create: (body: AgentCreateRequest) => client.send<AgentSummary>('POST', '/api/v1/agents/', body),
      update: (agentId: string, body: AgentUpdateRequest) => client.send<AgentSummary>('PATCH', `/api/v1/agents/${id(agentId)}`, body),
      duplicate: (agentId: string, body: AgentDuplicateRequest = {}) => client.send<AgentSummary>('POST', `/api/v1/agents/${id(agentId)}/duplicate`, body),
      remove: (agentId: string) => client.send<undefined>('DELETE', `/api/v1/agents/${id(agentId)}`),
      startRun: (agentId: string, body: RunCreateRequest) => client.send<Run>('POST', `/api/v1/agents/${id(agentId)}/runs`, body),
    },
    tools: (signal?: AbortSignal) => client.get<ToolSummary[]>('/api/v1/tools', { signal }),
    runs: {
      list: (query: RunListQuery = {}, signal?: AbortSignal) => client.get<RunList>(`/api/v1/runs${search(query)}`, { signal }),
      get: (runId: string, signal?: AbortSignal) => client.get<Run>(`/api/v1/runs/${id(runId)}`, { signal }),
      cancel: (runId: string) => client.send<Run>('POST', `/api/v1/runs/${id(runId)}/cancel`),
    },
    knowledge: {
      list: (signal?: AbortSignal) => client.get<KnowledgeBaseList>('/api/v1/knowledge', { signal }),
      get: (baseId: string, signal?: AbortSignal) => client.get<KnowledgeBase>(`/api/v1/knowledge/${id(baseId)}`, { signal }),
      create: (body: KnowledgeBaseCreateRequest) => client.send<KnowledgeBase>('POST', '/api/v1/knowledge', body),
      remove: (baseId: string) => client.send<undefined>('DELETE', `/api/v1/knowledge/${id(baseId)}`),
      documents: (baseId: string, signal?: AbortSignal) => client.get<KnowledgeDocumentList>(`/api/v1/knowledge/${id(baseId)}/documents`, { signal }),
      document: (baseId: string, documentId: string, signal?: AbortSignal) =>
        client.get<KnowledgeDocument>(`/api/v1/knowledge/${id(baseId)}/documents/${id(documentId)}`, { signal }),
      /** Streams the file as multipart (field `file`); the server answers 202 with the queued document. */
      upload: (baseId: string, file: File, signal?: AbortSignal) => {
        const form = new FormData();
        form.append('file', file, file.name);
        return client.send<KnowledgeDocument>('POST', `/api/v1/knowledge/${id(baseId)}/documents`, form, { signal });
      },
      addUrl: (baseId: string, body: AddDocumentByUrlRequest) => client.send<KnowledgeDocument>('POST', `/api/v1/knowledge/${id(baseId)}/documents`, body),
      removeDocument: (baseId: string, documentId: string) => client.send<undefined>('DELETE', `/api/v1/knowledge/${id(baseId)}/documents/${id(documentId)}`),
      search: (baseId: string, body: KnowledgeSearchRequest, signal?: AbortSignal) =>
        client.send<KnowledgeSearchResponse>('POST', `/api/v1/knowledge/${id(baseId)}/search`, body, { signal }),
    },
    testProvider: (body: ProviderTestRequest) => client.send<ProviderTestResponse>('POST', '/api/v1/providers/test', body),
    conversations: {
      list: (query: ConversationListQuery, signal?: AbortSignal) => client.get<ConversationList>(`/api/v1/conversations${queryString(query)}`, { signal }),
      get: (conversationId: string, signal?: AbortSignal) => client.get<ConversationDetail>(`/api/v1/conversations/${id(conversationId)}`, { signal }),
      rename: (conversationId: string, body: RenameConversationRequest) => client.send<ConversationDetail>('PATCH', `/api/v1/conversations/${id(conversationId)}`, body),
      remove: (conversationId: string) => client.send<undefined>('DELETE', `/api/v1/conversations/${id(conversationId)}`),
      /** The file as the server names and formats it. */
      export: async (conversationId: string, format: ExportFormat) => {
        const response = await client.request('GET', `/api/v1/conversations/${id(conversationId)}/export?format=${format}`, { headers: { accept: '*/*' } });
        const disposition = response.headers.get('content-disposition') ?? '';
        const filename = /filename="([^"]+)"/.exec(disposition)?.[1] ?? `conversation-${conversationId}.${format}`;
        return { filename, blob: await response.blob() };
      },
    },
    voice: {
      voices: (signal?: AbortSignal) => client.get<VoiceListResponse>('/api/v1/voice/voices', { signal }),
      /** The spoken text as audio bytes (wav unless `format` says otherwise). */
      synthesize: async (body: VoiceSynthesizeRequest, signal?: AbortSignal): Promise<Blob> => {
        const response = await client.request('POST', '/api/v1/voice/demo/synthesize', { body, signal, headers: { accept: 'audio/*' } });
        return response.blob();
      },
      /** The recording as the multipart `file` part. */
      transcribe: (audio: Blob, filename: string, signal?: AbortSignal) => {
        const form = new FormData();
        form.append('file', audio instanceof File ? audio : new File([audio], filename, { type: audio.type }), filename);
        return client.send<VoiceTranscriptionResponse>('POST', '/api/v1/voice/demo/transcribe', form, { signal });
      },
      /** The hands-free socket's address (ws: or wss:, same origin as the API). */
      socketUrl: () => {
        const url = new URL(absoluteUrl(client.url('/api/v1/voice/ws')));
        url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
        return url.href;
      },
    },
    stopStream: (messageId: string) => client.send<StopStreamResponse>('POST', `/api/v1/chat/stream/${id(messageId)}/stop`),
  };
}

export type SutazaiApi = ReturnType<typeof createSutazaiApi>;

export const HEALTH_PATH = '/health/detailed';

/** /health/detailed answers 503 with the same report when the database is down: both are reports. */
export async function fetchHealth(client: ApiClient, signal?: AbortSignal): Promise<HealthDetailedResponse> {
  const response = await client.request('GET', HEALTH_PATH, { signal, acceptStatuses: [503] });
  const text = await response.text();
  let report: unknown;
  try {
    report = JSON.parse(text);
  } catch {
    report = undefined;
  }
  if (!isHealthReport(report)) {
    throw new ApiError({ status: response.status, code: 'NOT_SUTAZAI', message: `${HEALTH_PATH} answered ${response.status} without a SutazAI health report.`, hint: 'Check that this page is served by (or proxies to) the SutazAI API.' });
  }
  return report;
}

function isHealthReport(value: unknown): value is HealthDetailedResponse {
  if (typeof value !== 'object' || value === null) return false;
  const report = value as Partial<HealthDetailedResponse>;
  return typeof report.status === 'string' && Array.isArray(report.services);
}

function search(query: RunListQuery): string {
  const params = new URLSearchParams();
  if (query.limit !== undefined) params.set('limit', String(query.limit));
  if (query.cursor) params.set('cursor', query.cursor);
  if (query.agent) params.set('agent', query.agent);
  const text = params.toString();
  return text ? `?${text}` : '';
}

function queryString(query: ConversationListQuery): string {
  const params = new URLSearchParams();
  if (query.limit !== undefined) params.set('limit', String(query.limit));
  if (query.cursor) params.set('cursor', query.cursor);
  if (query.q) params.set('q', query.q);
  const text = params.toString();
  return text ? `?${text}` : '';
}
