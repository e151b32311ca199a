/**
 * Built-in agents are files: one JSON file per agent in the repository's `agents/` folder,
 * validated with the same schema as the API. A broken file is reported with its path and the
 * field at fault; the others still load.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentDefinition } from '@sutazai/contracts';
import { TypeCompiler } from '@sinclair/typebox/compiler';

/** The repository's `agents/` folder (from src/agents or dist/agents alike). */
export const builtinAgentsDir = fileURLToPath(new URL('../../../../agents/', import.meta.url));

export interface AgentFileProblem {
  path: string;
  /** JSON pointer of the field at fault, or '' for the whole file. */
  field: string;
  message: string;
}

const check = TypeCompiler.Compile(AgentDefinition);

export async function loadAgentFiles(dir: string): Promise<{ agents: AgentDefinition[]; problems: AgentFileProblem[] }> {
  const agents: AgentDefinition[] = [];
  const problems: AgentFileProblem[] = [];
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort();
  } catch (error) {
    problems.push({ path: dir, field: '', message: `cannot read the agents folder: ${(error as Error).message}` });
    return { agents, problems };
  }
  const seen = new Set<string>();
  for (const name of names) {
    const path = join(dir, name);
    let data: unknown;
    try {
      data = JSON.parse(await readFile(path, 'utf8'));
    } catch (error) {
      problems.push({ path, field: '', message: `not valid JSON: ${(error as Error).message}` });
      continue;
    }
    const first = check.Errors(data).First();
    if (first) {
      problems.push({ path, field: first.path || '/', message: first.message });
      continue;
    }
    const agent = data as AgentDefinition;
    if (agent.id !== basename(name, '.json')) {
      problems.push({ path, field: '/id', message: `the id "${agent.id}" must match the file name "${basename(name, '.json')}"` });
      continue;
    }
    if (seen.has(agent.id)) continue;
    seen.add(agent.id);
    agents.push(agent);
  }
  return { agents, problems };
}
