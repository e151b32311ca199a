/** How knowledge bases, documents and scores read on screen. */
import type { KnowledgeBase, KnowledgeDocument } from '../api/types';

function count(n: number, one: string, many: string): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

export function describeBase(base: KnowledgeBase): string {
  const parts = [count(base.document_count, 'document', 'documents'), count(base.chunk_count, 'passage', 'passages')];
  parts.push(base.embedding_model ? `vectors by ${base.embedding_model}` : 'no vectors yet');
  return parts.join(' · ');
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export function describeDocument(document: KnowledgeDocument): string {
  const parts = [document.source === 'url' ? (document.url ?? 'from a URL') : 'uploaded'];
  if (document.size_bytes !== null) parts.push(formatBytes(document.size_bytes));
  if (document.status === 'indexed') parts.push(count(document.chunk_count, 'passage', 'passages'));
  return parts.join(' · ');
}

/** A score with four significant digits: fused scores are small, full-text ones may be large. */
export function formatScore(score: number | null): string {
  if (score === null) return '—';
  if (score === 0) return '0';
  return Number(score.toPrecision(4)).toString();
}

export const STATUS_TEXT: Record<KnowledgeDocument['status'], string> = {
  queued: 'queued',
  processing: 'processing',
  indexed: 'indexed',
  failed: 'failed',
};
