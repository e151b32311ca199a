/**
 * When a host name does not resolve: which names near it do, and which of those is most
 * likely meant (`sutazai-backend` → `backend`, `postgress` → `postgres`).
 */
import type { ServiceKind } from './doctor-report.js';
import { isIP } from 'node:net';
import { resolveName, stripBrackets, type Resolver } from './network.js';
import { GENERAL_NAMES, KNOWN_SERVICE_NAMES } from './service-kinds.js';
import { levenshtein } from '../config/load.js';

export interface NameSuggestions {
  /** Names that resolve from here, best first. */
  resolving: string[];
  /** The one most likely meant, when one is close enough. */
  closest: string | undefined;
}

export interface SuggestOptions {
  resolver: Resolver;
  kind: ServiceKind;
  /** /etc/hosts names and the hosts of the other configured URLs. */
  extraNames: string[];
  timeoutMs: number;
}

export async function suggestNames(failed: string, options: SuggestOptions): Promise<NameSuggestions> {
  const kindNames = new Set(KNOWN_SERVICE_NAMES[options.kind]);
  const candidates = unique([
    ...variants(failed),
    ...KNOWN_SERVICE_NAMES[options.kind],
    ...options.extraNames,
    ...Object.values(KNOWN_SERVICE_NAMES).flat(),
    ...GENERAL_NAMES,
  ]).filter((name) => name.toLowerCase() !== failed.toLowerCase() && isIP(stripBrackets(name)) === 0);
  const outcomes = await Promise.all(candidates.map(async (name) => ({ name, outcome: await resolveName(options.resolver, name, options.timeoutMs) })));
  const scored = outcomes
    .filter(({ outcome }) => outcome.ok)
    .map(({ name }) => ({ name, score: similarity(failed, name) + (kindNames.has(name) ? 0.25 : 0) }))
    .sort((a, b) => b.score - a.score || a.name.localeCompare(b.name));
  const best = scored[0];
  return { resolving: scored.map((entry) => entry.name), closest: best && best.score >= 0.5 ? best.name : undefined };
}

/**
 * How alike two host names are, 0..1: one's words all inside the other's
 * (`sutazai-backend` / `backend`), or a small edit distance (`postgress` / `postgres`).
 */
export function similarity(a: string, b: string): number {
  const wordsA = words(a);
  const wordsB = words(b);
  const contained = (inner: string[], outer: string[]) => inner.length > 0 && inner.every((word) => outer.includes(word));
  const containment = contained(wordsB, wordsA) || contained(wordsA, wordsB) ? 0.8 : 0;
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const edit = 1 - levenshtein(x, y) / Math.max(x.length, y.length, 1);
  return Math.max(containment, edit);
}

/** The same name as Compose and Kubernetes spell its relatives: without a project prefix, a replica suffix, a domain. */
function variants(name: string): string[] {
  const lower = name.toLowerCase();
  const firstLabel = lower.split('.')[0]!;
  const parts = firstLabel.split(/[-_]/).filter(Boolean);
  const out = [firstLabel, firstLabel.replace(/[-_]\d+$/, ''), firstLabel.replaceAll('_', '-'), firstLabel.replaceAll('-', '_')];
  if (parts.length > 1) out.push(parts.slice(1).join('-'), parts.slice(0, -1).join('-'), parts[parts.length - 1]!);
  return out.filter((candidate) => candidate && !/^\d+$/.test(candidate));
}

function words(name: string): string[] {
  return name.toLowerCase().split('.')[0]!.split(/[-_]/).filter((word) => word && !/^\d+$/.test(word));
}

function unique(items: string[]): string[] {
  return [...new Set(items.filter(Boolean))];
}
