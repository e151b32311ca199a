/** A run's status as a badge, and how long ago or how long things took. */
import type { Run, RunStatus } from '../api/types';

const STATUS_TEXT: Record<RunStatus, string> = { queued: 'queued', running: 'running', succeeded: 'succeeded', failed: 'failed', cancelled: 'cancelled' };
const STATUS_CLASS: Record<RunStatus, string> = { queued: '', running: 'badge-degraded', succeeded: 'badge-healthy', failed: 'badge-down', cancelled: 'badge-disabled' };

export function isActive(run: Pick<Run, 'status'>): boolean {
  return run.status === 'queued' || run.status === 'running';
}

export function RunStatusBadge({ status }: { status: RunStatus }) {
  return <span className={`badge ${STATUS_CLASS[status]}`} data-testid="run-status" data-status={status}>{STATUS_TEXT[status]}</span>;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function formatTime(epochMs: number): string {
  return new Date(epochMs).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** The input's first line, short enough for a list. */
export function inputPreview(input: string): string {
  const line = input.trim().split('\n')[0] ?? '';
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
}
