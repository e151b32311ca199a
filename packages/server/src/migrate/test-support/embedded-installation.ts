/**
 * An embedded installation made the way a user makes one: a real server on SQLite with the
 * embedded vector store, driven through its HTTP API. Two accounts (one with an API key), their
 * conversations (replies from the OpenAI-compatible test server), an agent, a setting, and a
 * knowledge base whose document is chunked and embedded by the real tiny model. What the tests
 * later compare on the target is recorded here: each account's conversation list and what
 * knowledge search finds.
 */
import path from 'node:path';
import { startOpenAICompatibleTestServer } from '../../llm/test-support/openai-compatible-test-server.js';
import { startTestApp, testModelName, until } from '../../http/test-support/test-app.js';
import { HANDBOOK } from '../../knowledge/ingestion/test-support/handbook.js';

export const SEARCH_QUERY = 'How much is an adult ticket?';
export const EMBEDDING_MODEL = `llama-cpp/${testModelName}`;

export interface Account {
  email: string;
  password: string;
}

export interface EmbeddedInstallation {
  /** The test app's folder: `data/` is DATA_DIR, `models/` links the tiny model. */
  dir: string;
  dataDir: string;
  databaseFile: string;
  admin: Account;
  user: Account;
  /** The admin's API key. */
  apiKey: string;
  knowledgeBaseId: string;
  /** GET /api/v1/conversations?limit=100 of each account. */
  conversations: { admin: unknown; user: unknown };
  /** The first result of each search mode for `SEARCH_QUERY`. */
  search: { fulltext: { chunk_id: string; text: string }; vector: { chunk_id: string; text: string } };
}

export interface InstallationOptions {
  /** Chat turns per account: each is a conversation with two messages. */
  conversationsPerAccount?: number;
  /** The OpenAI-compatible test server (the scripted chat model), kept running by the caller. */
  upstreamUrl: string;
}

/** The environment a server on this installation (or a migrated copy of it) runs with. */
export function installationEnv(upstreamUrl: string): Record<string, string> {
  return { AUTH: 'enabled', OPENAI_BASE_URL: upstreamUrl, DEFAULT_MODEL: testModelName, EMBEDDING_MODEL, KNOWLEDGE_MAX_UPLOAD_BYTES: '65536' };
}

export async function createEmbeddedInstallation(options: InstallationOptions): Promise<EmbeddedInstallation> {
  const t = await startTestApp({ realModel: true, env: installationEnv(options.upstreamUrl) });
  try {
    const url = await t.listen();
    const call = async (method: string, route: string, token: string | undefined, body?: unknown) => {
      const response = await fetch(`${url}${route}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined || body instanceof FormData ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: body instanceof FormData ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    };
    const admin = { email: 'ada@example.com', password: 'correct horse battery' };
    const user = { email: 'bob@example.com', password: 'battery staple horse' };
    await call('POST', '/api/v1/auth/register', undefined, { ...admin, name: 'Ada' });
    const adminToken = (await call('POST', '/api/v1/auth/login', undefined, admin)).token as string;
    await call('POST', '/api/v1/admin/users', adminToken, { ...user, role: 'user' });
    const userToken = (await call('POST', '/api/v1/auth/login', undefined, user)).token as string;
    const apiKey = (await call('POST', '/api/v1/auth/api-keys', adminToken, { name: 'laptop' })).key as string;
    await call('PUT', '/api/v1/admin/settings', adminToken, { signup_policy: 'approval' });

    const turns = options.conversationsPerAccount ?? 3;
    for (const [token, who] of [[adminToken, 'ada'], [userToken, 'bob']] as const) {
      for (let i = 0; i < turns; i++) {
        await call('POST', '/api/v1/chat/', token, { message: `Question ${i} from ${who}: what is the weather like at Harrow Point?`, session_id: `${who}-${i}`, model: 'scripted' });
      }
    }
    await call('POST', '/api/v1/agents/', adminToken, { name: 'Lighthouse Guide', system_prompt: 'You answer questions about the lighthouse.', tools: ['current_time'] });

    const base = (await call('POST', '/api/v1/knowledge', adminToken, { name: 'Harrow Point' })).id as string;
    const form = new FormData();
    form.append('file', new Blob([HANDBOOK], { type: 'text/markdown' }), 'handbook.md');
    const document = (await call('POST', `/api/v1/knowledge/${base}/documents`, adminToken, form)).id as string;
    const indexed = await until(() => call('GET', `/api/v1/knowledge/${base}/documents/${document}`, adminToken), (d) => d.status === 'indexed' || d.status === 'failed');
    if (indexed.status !== 'indexed' || !(indexed.vector_count > 0)) throw new Error(`the handbook was not indexed with vectors: ${JSON.stringify(indexed)}`);

    const search = async (mode: string) => (await call('POST', `/api/v1/knowledge/${base}/search`, adminToken, { query: SEARCH_QUERY, mode, k: 3 })).results[0];
    const result = {
      dir: t.dir,
      dataDir: path.join(t.dir, 'data'),
      databaseFile: path.join(t.dir, 'data', 'sutazai.db'),
      admin, user, apiKey,
      knowledgeBaseId: base,
      conversations: {
        admin: await call('GET', '/api/v1/conversations?limit=100', adminToken),
        user: await call('GET', '/api/v1/conversations?limit=100', userToken),
      },
      search: { fulltext: await search('fulltext'), vector: await search('vector') },
    };
    return result;
  } finally {
    await t.close();
  }
}

/** Starts the scripted chat model the installations use. */
export async function startChatModel() {
  return startOpenAICompatibleTestServer({ models: ['scripted'], chat: { tokens: ['The', ' weather', ' is', ' fine.'] } });
}
