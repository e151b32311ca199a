/** Small pieces the checks share. */
import type { CheckRecorder } from '../check-recorder.js';
import type { ServerIdentity } from '../identify-server.js';
import { hostPort, stripBrackets } from '../network.js';
import type { DoctorContext, Reached } from '../reach.js';
import { KIND_LABELS } from '../service-kinds.js';

/** The URL with its host replaced by the address the doctor resolved (and `?schema=` dropped: it is SutazAI's, not the driver's). */
export function addressUrl(url: URL, address: string): string {
  const copy = new URL(url.href);
  copy.hostname = address.includes(':') ? `[${stripBrackets(address)}]` : address;
  copy.searchParams.delete('schema');
  return copy.href;
}

export function checkLatency(check: CheckRecorder, context: DoctorContext, latencyMs: number): void {
  check.latencyMs = latencyMs;
  if (latencyMs > context.slowMs) {
    check.problem('SLOW', `${KIND_LABELS[check.kind]} took ${Math.round(latencyMs)} ms to answer (more than ${context.slowMs} ms).`, `Check the load on ${KIND_LABELS[check.kind]} and the network between (another region, a VPN, DNS answers that time out first); requests that wait on it wait as long.`);
  }
}

/** Something answers, but not the kind the setting is for. */
export function wrongKind(check: CheckRecorder, reached: Reached, identity: ServerIdentity, extraFix = ''): void {
  const where = hostPort(reached.hostname, reached.port);
  check.problem(
    'WRONG_SERVER_KIND',
    `${check.setting} expects ${KIND_LABELS[check.kind]} at ${where}, but ${identity.label} answered there.`,
    `${extraFix}Point ${check.setting} at ${KIND_LABELS[check.kind]}'s host and port${settingFor(identity) ? `; this address belongs in ${settingFor(identity)}` : ''}.`,
  );
}

function settingFor(identity: ServerIdentity): string | undefined {
  if (identity.service === 'ollama') return 'OLLAMA_BASE_URL';
  if (identity.service === 'openai-compatible') return 'OPENAI_BASE_URL (with /v1)';
  if (identity.service === 'sutazai') return 'SUTAZAI_URL (the web UI and CLI talk to it)';
  if (identity.service === 'qdrant') return 'QDRANT_URL';
  if (identity.protocol === 'postgres') return 'DATABASE_URL';
  if (identity.protocol === 'redis') return 'REDIS_URL';
  if (identity.protocol === 'amqp') return 'AMQP_URL';
  return undefined;
}

/** An error message inside a sentence: without its own final full stop. */
export function clause(text: string): string {
  return text.trim().replace(/[.\s]+$/, '');
}
