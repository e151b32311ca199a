/** One agent run: its status, input, live events (text, tool calls) or result, and Cancel. */
import { conversationPath } from '../app/router';
import { MessageItem, type MessageActions } from '../chat/message-item';
import { Markdown } from '../markdown/markdown';
import type { Catalog } from '../models/use-catalog';
import { ErrorNotice } from '../ui/error-notice';
import { formatDuration, formatTime, isActive, RunStatusBadge } from './run-status';
import { useRun } from './use-run';

const NO_ACTIONS: MessageActions = {};

export function RunPage({ runId, catalog, go }: { runId: string; catalog: Catalog; go(path: string): void }) {
  const { run, loadError, reply, streamError, cancel, cancelling, cancelError } = useRun(runId);
  const back = <button type="button" className="button-small" onClick={() => go('/runs')}>All runs</button>;
  if (!run) {
    return (
      <section className="page">
        {loadError ? <><ErrorNotice error={loadError} title="This run could not be opened." />{back}</> : <p role="status">Loading the run…</p>}
      </section>
    );
  }
  const agentName = catalog.agents?.find((agent) => agent.id === run.agent_id)?.name ?? run.agent_id;
  const active = isActive(run);
  return (
    <section className="page" aria-labelledby="run-title" data-testid="run-page" data-run-id={run.id} data-status={run.status}>
      <div className="page-header">
        <h2 id="run-title">Run of {agentName}</h2>
        {back}
      </div>
      <div className="run-facts">
        <RunStatusBadge status={run.status} />
        <span className="muted">started {formatTime(run.created_at)}</span>
        {run.finished_at !== null && <span className="muted">took {formatDuration(run.finished_at - run.created_at)}</span>}
        {run.attempts > 1 && <span className="muted">attempt {run.attempts}</span>}
        {active && (
          <button type="button" className="button-small button-danger" onClick={() => void cancel()} disabled={cancelling} data-testid="run-cancel">
            {cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        )}
      </div>
      {cancelError && <ErrorNotice error={cancelError} title="The run was not cancelled." />}
      <h3>Input</h3>
      <p className="run-input-full" data-testid="run-input">{run.input}</p>
      {run.status === 'cancelled' && (
        <p className="notice" role="note" data-testid="run-cancelled">{run.error_message ?? 'Cancelled.'} What it wrote until then is kept.</p>
      )}
      {run.error_code && run.status !== 'cancelled' && (
        <ErrorNotice error={{ code: run.error_code, message: run.error_message ?? `The run failed (${run.error_code}).` }} title={`The run failed (${run.error_code}).`} testId="run-error" />
      )}
      <h3>{active ? 'What it is doing' : 'What it did'}</h3>
      {run.status === 'queued' && !reply && <p role="status" className="muted" data-testid="run-waiting">Waiting in the queue for a worker…</p>}
      {reply && (
        <div className="run-reply" data-testid="run-reply">
          <MessageItem message={reply} actions={NO_ACTIONS} />
        </div>
      )}
      {streamError && <ErrorNotice error={streamError} title="Its events could not be followed." />}
      {!reply && !active && (run.result
        ? <div className="message message-assistant" data-testid="run-result"><Markdown text={run.result} /></div>
        : <p className="muted">The run ended before it wrote a reply.</p>)}
      {run.conversation_id && (
        <p>
          <a href={conversationPath(run.conversation_id)} onClick={(e) => { e.preventDefault(); go(conversationPath(run.conversation_id!)); }} data-testid="run-conversation">Open it as a conversation</a>
          {' '}<span className="muted">(its input and reply are stored there)</span>
        </p>
      )}
      <p className="visually-hidden" role="status" aria-live="polite">{active ? '' : `The run ${run.status}.`}</p>
    </section>
  );
}
