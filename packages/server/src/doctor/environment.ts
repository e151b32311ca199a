/**
 * Where the doctor runs: inside a container or not, and the names `/etc/hosts` gives. Read
 * through an injectable file reader so tests can stand in a container without being in one.
 */
import { existsSync, readFileSync } from 'node:fs';

export interface DoctorEnvironment {
  inContainer: boolean;
  /** Why: `/.dockerenv exists`, `/proc/1/cgroup mentions kubepods`, ... */
  evidence: string[];
  /** Host names listed in /etc/hosts (candidates when a name does not resolve). */
  hostsNames: string[];
}

export interface EnvironmentSources {
  exists(path: string): boolean;
  /** The file's text, or undefined when it cannot be read. */
  read(path: string): string | undefined;
  variables: Record<string, string | undefined>;
}

const systemSources: EnvironmentSources = {
  exists: (path) => existsSync(path),
  read: (path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  variables: process.env,
};

const CGROUP_HINTS = /\b(docker|kubepods|containerd|libpod|lxc|podman|ecs)\b/;

export function detectEnvironment(sources: EnvironmentSources = systemSources): DoctorEnvironment {
  const evidence: string[] = [];
  if (sources.exists('/.dockerenv')) evidence.push('/.dockerenv exists');
  if (sources.exists('/run/.containerenv')) evidence.push('/run/.containerenv exists (Podman)');
  if (sources.variables.KUBERNETES_SERVICE_HOST) evidence.push('KUBERNETES_SERVICE_HOST is set');
  if (sources.variables.container) evidence.push(`container=${sources.variables.container}`);
  for (const file of ['/proc/1/cgroup', '/proc/self/mountinfo']) {
    const hint = CGROUP_HINTS.exec(sources.read(file) ?? '')?.[1];
    if (hint) {
      evidence.push(`${file} mentions ${hint}`);
      break;
    }
  }
  return { inContainer: evidence.length > 0, evidence, hostsNames: hostsNames(sources.read('/etc/hosts') ?? '') };
}

/** The names of an /etc/hosts file, in order, without duplicates. */
export function hostsNames(text: string): string[] {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const fields = line.replace(/#.*/, '').trim().split(/\s+/);
    for (const name of fields.slice(1)) if (name) names.add(name);
  }
  return [...names];
}
