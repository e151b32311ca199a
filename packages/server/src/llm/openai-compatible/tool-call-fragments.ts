import type { ToolCall } from '../provider.js';
import { toolArguments } from '../http/function-tools.js';
import { isRecord, optionalNumber, optionalString } from '../http/json-values.js';
import { protocolError } from '../http/upstream-errors.js';

/**
 * Collects the `delta.tool_calls` fragments of a streamed reply. OpenAI sends a call's id and
 * name in its first fragment and its `arguments` JSON text split across many more, keyed by
 * `index`; parallel calls follow one another. Servers differ at the edges (no index, the id
 * and name repeated on every fragment, arguments as an object), which is tolerated here
 * rather than branched on per vendor.
 */
export interface ToolCallFragments {
  add(fragments: readonly unknown[]): void;
  readonly size: number;
  /**
   * The complete calls in index order. Throws a protocol error naming the tool whose arguments
   * are not a JSON object; `cutShort` says the reply hit its token limit, which explains that.
   */
  complete(options: { cutShort: boolean; fallbackId: (index: number) => string }): ToolCall[];
}

interface PendingCall {
  id: string | undefined;
  name: string | undefined;
  arguments: string;
}

export function createToolCallFragments(providerId: string): ToolCallFragments {
  const calls = new Map<number, PendingCall>();
  let lastIndex: number | undefined;

  function indexOf(fragment: Record<string, unknown>, id: string | undefined): number {
    const index = optionalNumber(fragment, 'index');
    if (index !== undefined) return index;
    // Without an index, a new id starts a new call and anything else continues the last one.
    const isNewCall = id !== undefined && ![...calls.values()].some((call) => call.id === id);
    if (isNewCall || lastIndex === undefined) return calls.size === 0 ? 0 : Math.max(...calls.keys()) + 1;
    return lastIndex;
  }

  return {
    add(fragments) {
      for (const fragment of fragments) {
        if (!isRecord(fragment)) throw protocolError(providerId, `a tool_calls fragment is not an object: ${JSON.stringify(fragment)}`);
        const id = optionalString(fragment, 'id') || undefined;
        const index = indexOf(fragment, id);
        lastIndex = index;
        const call = calls.get(index) ?? { id: undefined, name: undefined, arguments: '' };
        calls.set(index, call);
        call.id ??= id;
        const fn = isRecord(fragment.function) ? fragment.function : {};
        // Only the first name counts: some servers repeat it on every fragment.
        call.name ??= optionalString(fn, 'name') || undefined;
        if (typeof fn.arguments === 'string') call.arguments += fn.arguments;
        else if (isRecord(fn.arguments)) call.arguments = JSON.stringify(fn.arguments);
      }
    },
    get size() {
      return calls.size;
    },
    complete({ cutShort, fallbackId }) {
      const note = cutShort ? ' (the reply was cut at its token limit)' : '';
      return [...calls.entries()]
        .sort(([left], [right]) => left - right)
        .map(([index, call], position): ToolCall => {
          if (call.name === undefined) throw protocolError(providerId, `tool call ${index} of the reply has no function name${note}`);
          return { id: call.id ?? fallbackId(position), name: call.name, arguments: toolArguments(providerId, call.name, call.arguments, note) };
        });
    },
  };
}
