/**
 * The API's request and response types, derived from the schemas the server validates with
 * (@sutazai/contracts). Nothing here is written by hand: a change there changes these.
 */
import type {
  AdminCreateUserRequest as AdminCreateUserRequestSchema,
  AdminSettings as AdminSettingsSchema,
  AdminUpdateUserRequest as AdminUpdateUserRequestSchema,
  AgentList as AgentListSchema,
  ChangePasswordResponse as ChangePasswordResponseSchema,
  ApiKey as ApiKeySchema,
  ApiKeyList as ApiKeyListSchema,
  CreateApiKeyRequest as CreateApiKeyRequestSchema,
  CreateApiKeyResponse as CreateApiKeyResponseSchema,
  ConversationListQuery as ConversationListQuerySchema,
  ExportQuery as ExportQuerySchema,
  AddDocumentByUrlRequest as AddDocumentByUrlRequestSchema,
  DocumentStatus as DocumentStatusSchema,
  KnowledgeBaseList as KnowledgeBaseListSchema,
  KnowledgeDocumentList as KnowledgeDocumentListSchema,
  RunListQuery as RunListQuerySchema,
  LoginResponse as LoginResponseSchema,
  ProviderTestResponse as ProviderTestResponseSchema,
  RegisterResponse as RegisterResponseSchema,
  RenameConversationRequest as RenameConversationRequestSchema,
  SignupPolicy as SignupPolicySchema,
  SetupState as SetupStateSchema,
  UserList as UserListSchema,
  VoiceListResponse as VoiceListResponseSchema,
  VoiceSynthesizeRequest as VoiceSynthesizeRequestSchema,
  VoiceTranscriptionResponse as VoiceTranscriptionResponseSchema,
} from '@sutazai/contracts';

export type {
  AgentCreateRequest,
  AgentDuplicateRequest,
  AgentLimits,
  AgentSummary,
  AgentUpdateRequest,
  ChangePasswordRequest,
  Citation,
  KnowledgeBase,
  KnowledgeBaseCreateRequest,
  KnowledgeDocument,
  KnowledgeSearchRequest,
  KnowledgeSearchResponse,
  RunStatus,
  SearchMode,
  SearchResult,
  LimitReachedEvent,
  Run,
  RunCreateRequest,
  RunList,
  ToolCallEvent,
  ToolResultEvent,
  ToolSummary,
  ChatRequest,
  ChatStreamEvent,
  ConversationDetail,
  ConversationList,
  ConversationSummary,
  ErrorResponse,
  HealthDetailedResponse,
  HealthResponse,
  LoginRequest,
  Message,
  MessageEndEvent,
  MessageStartEvent,
  ModelDetail,
  ModelsResponse,
  ProviderTestRequest,
  RegisterRequest,
  ServiceHealth,
  StreamErrorEvent,
  TextDeltaEvent,
  User,
  VoiceSocketServerFrame,
  VoiceSocketStartFrame,
  VoiceState,
} from '@sutazai/contracts';

/**
 * What TypeBox's Static<> reads: a schema's `static` member. Read directly, so these types do
 * not depend on which of TypeBox's builds (ESM or CommonJS typings) the contracts resolved to.
 */
type Static<Schema extends { static: unknown }> = Schema['static'];

export type AdminCreateUserRequest = Static<typeof AdminCreateUserRequestSchema>;
export type AdminSettings = Static<typeof AdminSettingsSchema>;
export type AdminUpdateUserRequest = Static<typeof AdminUpdateUserRequestSchema>;
export type AgentList = Static<typeof AgentListSchema>;
export type ChangePasswordResponse = Static<typeof ChangePasswordResponseSchema>;
export type SetupState = Static<typeof SetupStateSchema>;
export type ApiKey = Static<typeof ApiKeySchema>;
export type ApiKeyList = Static<typeof ApiKeyListSchema>;
export type CreateApiKeyRequest = Static<typeof CreateApiKeyRequestSchema>;
export type CreateApiKeyResponse = Static<typeof CreateApiKeyResponseSchema>;
export type ConversationListQuery = Static<typeof ConversationListQuerySchema>;
export type ExportFormat = NonNullable<Static<typeof ExportQuerySchema>['format']>;
export type LoginResponse = Static<typeof LoginResponseSchema>;
export type ProviderTestResponse = Static<typeof ProviderTestResponseSchema>;
export type RegisterResponse = Static<typeof RegisterResponseSchema>;
export type RenameConversationRequest = Static<typeof RenameConversationRequestSchema>;
export type SignupPolicy = Static<typeof SignupPolicySchema>;
export type UserList = Static<typeof UserListSchema>;
export type AddDocumentByUrlRequest = Static<typeof AddDocumentByUrlRequestSchema>;
export type DocumentStatus = Static<typeof DocumentStatusSchema>;
export type KnowledgeBaseList = Static<typeof KnowledgeBaseListSchema>;
export type KnowledgeDocumentList = Static<typeof KnowledgeDocumentListSchema>;
export type RunListQuery = Static<typeof RunListQuerySchema>;
export type StopStreamResponse = { stopped: boolean; message_id: string };
export type VoiceListResponse = Static<typeof VoiceListResponseSchema>;
export type VoiceSynthesizeRequest = Static<typeof VoiceSynthesizeRequestSchema>;
export type VoiceTranscriptionResponse = Static<typeof VoiceTranscriptionResponseSchema>;
