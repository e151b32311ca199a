import { describe, expect, it } from 'vitest';
import { detectEnvironment, hostsNames, type EnvironmentSources } from './environment.js';
import { similarity } from './name-suggestions.js';

function sources(files: Record<string, string>, variables: Record<string, string> = {}): EnvironmentSources {
  return { exists: (path) => path in files, read: (path) => files[path], variables };
}

describe('where the doctor runs', () => {
  it('is a container with /.dockerenv, with a Kubernetes service variable, or with a cgroup naming a runtime', () => {
    expect(detectEnvironment(sources({ '/.dockerenv': '' }))).toMatchObject({ inContainer: true, evidence: ['/.dockerenv exists'] });
    expect(detectEnvironment(sources({}, { KUBERNETES_SERVICE_HOST: '10.96.0.1' }))).toMatchObject({ inContainer: true, evidence: ['KUBERNETES_SERVICE_HOST is set'] });
    expect(detectEnvironment(sources({ '/proc/1/cgroup': '0::/kubepods/besteffort/pod1234/abcd\n' })).evidence).toEqual(['/proc/1/cgroup mentions kubepods']);
  });

  it('is not a container on a plain machine (cgroup v2 root, no marker files)', () => {
    expect(detectEnvironment(sources({ '/proc/1/cgroup': '0::/init.scope\n', '/etc/hosts': '127.0.0.1 localhost\n' }))).toEqual({ inContainer: false, evidence: [], hostsNames: ['localhost'] });
  });

  it('reads the names of /etc/hosts, comments and duplicates left out', () => {
    expect(hostsNames('127.0.0.1 localhost\n# 10.0.0.9 old-db\n172.18.0.5\tbackend backend.sutazai_default  # compose\n::1 localhost ip6-localhost\n')).toEqual(['localhost', 'backend', 'backend.sutazai_default', 'ip6-localhost']);
  });
});

describe('how alike two host names are', () => {
  it('ranks a name inside another and a small typo above unrelated names', () => {
    expect(similarity('sutazai-backend', 'backend')).toBeGreaterThanOrEqual(0.8);
    expect(similarity('postgress', 'postgres')).toBeGreaterThan(0.85);
    expect(similarity('sutazai-backend', 'redis')).toBeLessThan(0.5);
  });
});
