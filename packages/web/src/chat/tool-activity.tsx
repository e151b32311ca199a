/**
 * What an agent did while writing a reply: each tool call with its arguments and result, as
 * collapsible blocks of plain text. Tool output is data from elsewhere (a web page, an MCP
 * server): it is never rendered as Markdown or HTML, and nothing in it is a link.
 */
import type { ToolActivity } from './chat-state';

export function ToolActivityList({ calls, live }: { calls: ToolActivity[]; live: boolean }) {
  return (
    <div className="tool-activity" data-testid="tool-activity">
      {calls.map((call) => <ToolCallBlock key={call.callId} call={call} live={live} />)}
    </div>
  );
}

function ToolCallBlock({ call, live }: { call: ToolActivity; live: boolean }) {
  const state = call.result ? (call.result.isError ? 'error' : 'done') : live ? 'running' : 'no-result';
  const label = { error: 'failed', done: 'done', running: 'running…', 'no-result': 'no result' }[state];
  return (
    <details className={`tool-call tool-${state}`} data-testid="tool-call" data-tool={call.tool} data-state={state}>
      <summary>
        <span className="tool-name">{call.tool}</span>
        <span className={`badge ${state === 'error' ? 'badge-down' : state === 'done' ? 'badge-healthy' : ''}`}>{label}</span>
        <span className="tool-summary-arguments">{inlineArguments(call.arguments)}</span>
      </summary>
      <div className="tool-detail">
        <p className="tool-detail-label">Arguments</p>
        <pre className="tool-text" data-testid="tool-arguments">{JSON.stringify(call.arguments, null, 2)}</pre>
        {call.result && (
          <>
            <p className="tool-detail-label">{call.result.isError ? 'Error' : 'Result'}</p>
            <pre className="tool-text" data-testid="tool-result">{call.result.content}</pre>
          </>
        )}
      </div>
    </details>
  );
}

/** The arguments on one short line, for the closed block: `expression: "2+2"`. */
function inlineArguments(args: Record<string, unknown>): string {
  const text = Object.entries(args).map(([name, value]) => `${name}: ${JSON.stringify(value)}`).join(', ');
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}
