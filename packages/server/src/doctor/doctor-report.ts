/**
 * What `sutazai doctor` reports: for each configured dependency the steps it went through
 * (resolve, connect, handshake, authenticate, version), the problems it recognised and the fix
 * for each. `--json` prints this object as it is.
 */
import type { DependencyProblemCode } from '../health/dependency-hints.js';

/** What a dependency is; decides the handshake, the usual ports and the usual service names. */
export type ServiceKind = 'postgres' | 'sqlite' | 'redis' | 'rabbitmq' | 'ollama' | 'openai-compatible' | 'qdrant' | 'sutazai' | 'otlp';

export type StepName = 'resolve' | 'connect' | 'handshake' | 'authenticate' | 'version' | 'file';

export interface DoctorStep {
  step: StepName;
  ok: boolean;
  /** Null when the step has no round trip of its own (an address literal needs no resolving). */
  latency_ms: number | null;
  detail: string;
}

export type ProblemCode =
  | DependencyProblemCode
  /** Nothing listens on the port, while the service's usual port on that host answers. */
  | 'PUBLISHED_PORT'
  /** localhost (127.0.0.1, ::1) inside a container is the container itself. */
  | 'LOCALHOST_IN_CONTAINER'
  /** `/v1` missing or doubled, `/api` left on a root URL. */
  | 'PATH_PREFIX'
  /** Something answers, but not the kind of server the setting is for. */
  | 'WRONG_SERVER_KIND'
  | 'UNREACHABLE'
  | 'SLOW'
  | 'NOT_WRITABLE'
  /** The server answered in a way that fits none of the above. */
  | 'PROTOCOL_ERROR';

export interface DoctorProblem {
  code: ProblemCode;
  /** What is wrong, in one sentence. */
  message: string;
  /** What to change, as concretely as the doctor could find out. */
  fix: string;
}

export interface DoctorCheck {
  /** database, redis, job-queue, ollama, openai, qdrant, api */
  name: string;
  /** The setting it comes from: DATABASE_URL, ..., SUTAZAI_URL. */
  setting: string;
  kind: ServiceKind;
  /** The URL or file checked, passwords masked. */
  target: string;
  /** `skipped`: not configured and not expected to be there (Ollama at its default address). */
  status: 'ok' | 'problem' | 'skipped';
  /** The server's own version, when it tells (PostgreSQL 16.4, Redis 7.2.4, RabbitMQ 3.13.1, Ollama 0.5.7). */
  version: string | null;
  /** Time of the protocol round trip (a query, PING, the HTTP probe). */
  latency_ms: number | null;
  steps: DoctorStep[];
  problems: DoctorProblem[];
  /** Something worth knowing that is not a fault. */
  notes: string[];
}

export interface DoctorEnvironmentReport {
  in_container: boolean;
  /** Why the doctor thinks so: `/.dockerenv exists`, `cgroup: kubepods`... */
  evidence: string[];
}

export interface DoctorReport {
  ok: boolean;
  problem_count: number;
  environment: DoctorEnvironmentReport;
  checks: DoctorCheck[];
}
