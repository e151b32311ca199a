/**
 * The agents a user may use: the built-in ones (files, read-only templates) and the user's own
 * (stored). The name `default`, which the original clients send, selects `jarvis`.
 */
import { AgentLimits as AgentLimitsSchema, type AgentCreateRequest, type AgentDefinition, type AgentDuplicateRequest, type AgentLimits, type AgentUpdateRequest } from '@sutazai/contracts';
import { Value } from '@sinclair/typebox/value';
import { AppError } from '../errors/catalogue.js';
import type { Logger } from '../logger.js';
import type { Storage } from '../storage/database.js';
import { deleteAgent, getAgent, insertAgent, listAgents, updateAgent, type AgentFields, type AgentRow } from '../storage/agents-repository.js';
import { loadAgentFiles, type AgentFileProblem } from './agent-files.js';

export interface Agent extends AgentDefinition {
  builtin: boolean;
  created_at: number | null;
  updated_at: number | null;
}

export const DEFAULT_AGENT = 'jarvis';
const ALIASES: Record<string, string> = { default: DEFAULT_AGENT };
/** Ids no agent may have: the web UI routes `/agents/new` to the form for a new agent. */
const RESERVED_IDS = new Set(['new']);

export interface AgentCatalog {
  list(ownerId: string): Promise<Agent[]>;
  /** The named agent, or the default one when `id` is undefined; AGENT_NOT_FOUND otherwise. */
  get(ownerId: string, id: string | undefined): Promise<Agent>;
  create(ownerId: string, request: AgentCreateRequest): Promise<Agent>;
  update(ownerId: string, id: string, request: AgentUpdateRequest): Promise<Agent>;
  remove(ownerId: string, id: string): Promise<void>;
  duplicate(ownerId: string, id: string, request: AgentDuplicateRequest): Promise<Agent>;
  /** Agent files that did not load, with the path and the field at fault. */
  problems(): AgentFileProblem[];
}

export interface AgentCatalogOptions {
  storage: Storage;
  /** Folder of the built-in agent files. */
  dir: string;
  logger: Logger;
}

export async function createAgentCatalog(options: AgentCatalogOptions): Promise<AgentCatalog> {
  const { agents: files, problems } = await loadAgentFiles(options.dir);
  for (const problem of problems) options.logger.error(problem, 'an agent file did not load');
  const ordered = [...files.filter((a) => a.id === DEFAULT_AGENT), ...files.filter((a) => a.id !== DEFAULT_AGENT)];
  const builtins = new Map<string, Agent>(ordered.map((a) => [a.id, { ...a, builtin: true, created_at: null, updated_at: null }]));
  const db = options.storage.db;

  const fromRow = (row: AgentRow): Agent => ({
    id: row.id, name: row.name, description: row.description, system_prompt: row.system_prompt, model: row.model,
    tools: JSON.parse(row.tools) as string[], knowledge_bases: JSON.parse(row.knowledge_bases) as string[],
    limits: limitsFrom(JSON.parse(row.limits) as Partial<AgentLimits>), builtin: false,
    created_at: Number(row.created_at), updated_at: Number(row.updated_at),
  });

  async function find(ownerId: string, id: string): Promise<Agent | undefined> {
    const key = ALIASES[id] ?? id;
    const builtin = builtins.get(key);
    if (builtin) return builtin;
    const row = await getAgent(db, ownerId, key);
    return row && fromRow(row);
  }

  async function get(ownerId: string, id: string | undefined): Promise<Agent> {
    const agent = await find(ownerId, id ?? DEFAULT_AGENT);
    if (!agent) throw new AppError('AGENT_NOT_FOUND', `No agent named "${id}".`);
    return agent;
  }

  async function ownAgent(ownerId: string, id: string): Promise<Agent> {
    const agent = await get(ownerId, id);
    if (agent.builtin) throw new AppError('AGENT_READ_ONLY', `"${agent.id}" is a built-in agent and cannot be changed.`);
    return agent;
  }

  async function insert(ownerId: string, id: string, definition: Omit<AgentDefinition, 'id'>): Promise<Agent> {
    if (builtins.has(id) || ALIASES[id]) throw new AppError('AGENT_EXISTS', `"${id}" is the id of a built-in agent.`);
    if (RESERVED_IDS.has(id)) throw new AppError('AGENT_EXISTS', `"${id}" is reserved: /agents/${id} is the web UI's page for a new agent.`, { hint: 'Choose another id.' });
    if (!await insertAgent(db, ownerId, id, toFields(definition), Date.now())) throw new AppError('AGENT_EXISTS', `You have an agent with the id "${id}" already.`);
    return get(ownerId, id);
  }

  return {
    async list(ownerId) {
      const own = (await listAgents(db, ownerId)).map(fromRow);
      return [...builtins.values(), ...own];
    },
    get,
    async create(ownerId, request) {
      const id = request.id ?? await freeId(ownerId, slug(request.name));
      return insert(ownerId, id, {
        name: request.name, description: request.description ?? '', system_prompt: request.system_prompt ?? '',
        model: request.model ?? null, tools: request.tools ?? [], knowledge_bases: request.knowledge_bases ?? [], limits: limitsFrom(request.limits ?? {}),
      });
    },
    async update(ownerId, id, request) {
      const agent = await ownAgent(ownerId, id);
      const next = { ...agent, ...withoutUndefined(request), limits: limitsFrom({ ...agent.limits, ...request.limits }) };
      await updateAgent(db, ownerId, agent.id, toFields(next), Date.now());
      return get(ownerId, agent.id);
    },
    async remove(ownerId, id) {
      const agent = await ownAgent(ownerId, id);
      await deleteAgent(db, ownerId, agent.id);
    },
    async duplicate(ownerId, id, request) {
      const source = await get(ownerId, id);
      const name = request.name ?? `${source.name} (copy)`;
      const newId = request.id ?? await freeId(ownerId, slug(request.name ?? `${source.id}-copy`));
      const { id: _id, builtin: _b, created_at: _c, updated_at: _u, ...definition } = source;
      return insert(ownerId, newId, { ...definition, name });
    },
    problems: () => problems,
  };

  /** `base`, or `base-2`, `base-3`... whichever is free. */
  async function freeId(ownerId: string, base: string): Promise<string> {
    for (let n = 1; n < 1000; n++) {
      const id = n === 1 ? base : `${base.slice(0, 60)}-${n}`;
      if (!RESERVED_IDS.has(id) && !await find(ownerId, id)) return id;
    }
    throw new AppError('AGENT_EXISTS', 'Choose an id for the agent.');
  }
}

function toFields(definition: Omit<AgentDefinition, 'id'>): AgentFields {
  return {
    name: definition.name, description: definition.description, system_prompt: definition.system_prompt, model: definition.model,
    tools: JSON.stringify([...new Set(definition.tools)]), knowledge_bases: JSON.stringify([...new Set(definition.knowledge_bases)]),
    limits: JSON.stringify(definition.limits),
  };
}

/** Full limits: the given ones over the schema's defaults. */
export function limitsFrom(partial: Partial<AgentLimits>): AgentLimits {
  return Value.Default(AgentLimitsSchema, { ...withoutUndefined(partial) }) as AgentLimits;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function slug(name: string): string {
  const base = name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48);
  return /^[a-z0-9]/.test(base) ? base : `agent-${base}`.replace(/-+$/, '');
}
