/**
 * A client span around each model call, named as OpenTelemetry's generative-AI conventions
 * name them (`chat <model>`, `embeddings <model>`): provider, model, time to first token,
 * token counts, and how the call ended: `complete`, `interrupted` (stopped, or the caller let
 * go early) or `error` (with the catalogue code). Prompts and replies are never recorded.
 */
import { SpanKind, type Attributes } from '@opentelemetry/api';
import type { ChatRequest, ChatStreamPart, Provider } from '../llm/provider.js';
import { attributes, errorCode, inSpan, markFailed, startChild, type SpanTools } from './span-tools.js';

export function traceProvider(provider: Provider, tools: SpanTools): Provider {
  const common = { 'gen_ai.provider.name': provider.id, 'sutazai.provider.kind': provider.kind };
  const embed = provider.embed?.bind(provider);
  return {
    id: provider.id,
    kind: provider.kind,
    capabilities: provider.capabilities,
    listModels: (signal) => provider.listModels(signal),
    streamChat: (request) => streamInSpan(provider, request, tools, common),
    probe: () => provider.probe(),
    // Optional methods stay absent when the provider has none: that is how it declares it cannot.
    ...(embed ? {
      embed: (request: Parameters<typeof embed>[0]) => inSpan(tools, `embeddings ${request.model}`, {
        kind: SpanKind.CLIENT,
        attributes: { ...common, 'gen_ai.operation.name': 'embeddings', 'gen_ai.request.model': request.model, 'sutazai.embeddings.inputs': request.input.length },
      }, async (span) => {
        const result = await embed(request);
        if (result.usage) span.setAttribute('gen_ai.usage.input_tokens', result.usage.promptTokens);
        return result;
      }),
    } : {}),
    ...(provider.pullModel ? { pullModel: provider.pullModel.bind(provider) } : {}),
    ...(provider.close ? { close: provider.close.bind(provider) } : {}),
  };
}

async function* streamInSpan(provider: Provider, request: ChatRequest, tools: SpanTools, common: Attributes): AsyncGenerator<ChatStreamPart> {
  const { span, context } = startChild(tools, `chat ${request.model}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      ...common,
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': request.model,
      ...(request.temperature !== undefined ? { 'gen_ai.request.temperature': request.temperature } : {}),
      ...(request.maxTokens !== undefined ? { 'gen_ai.request.max_tokens': request.maxTokens } : {}),
      ...(request.tools?.length ? { 'sutazai.tools.offered': request.tools.length } : {}),
    },
  });
  const started = performance.now();
  let firstTokenSeen = false;
  let deltas = 0;
  let upstreamDone = false;
  let outcome: 'complete' | 'interrupted' | 'error' = 'interrupted';
  let code: string | undefined;
  // The upstream request is made inside the span's context, so the `traceparent` the model server gets names this span.
  const parts = tools.contexts.with(context, () => provider.streamChat(request)[Symbol.asyncIterator]());
  try {
    for (;;) {
      const next = await tools.contexts.with(context, () => parts.next());
      if (next.done) {
        upstreamDone = true;
        break;
      }
      const part = next.value;
      if (!firstTokenSeen && (part.type === 'text-delta' || part.type === 'tool-call')) {
        firstTokenSeen = true;
        span.setAttribute(attributes.timeToFirstTokenMs, Math.round(performance.now() - started));
        span.addEvent('first_token');
      }
      if (part.type === 'text-delta') deltas++;
      if (part.type === 'finish') {
        outcome = part.finishReason === 'aborted' ? 'interrupted' : 'complete';
        span.setAttributes({
          'gen_ai.response.finish_reasons': [part.finishReason],
          // As the stored message counts them: the provider's figures, else one token per delta.
          'gen_ai.usage.output_tokens': part.usage?.completionTokens ?? deltas,
          ...(part.usage ? { 'gen_ai.usage.input_tokens': part.usage.promptTokens } : {}),
        });
      }
      yield part;
    }
  } catch (error) {
    upstreamDone = true;
    code = errorCode(error);
    outcome = code === 'GENERATION_STOPPED' || request.signal?.aborted === true ? 'interrupted' : 'error';
    throw error;
  } finally {
    try {
      // A caller that let go before the end (a stop, a limit) releases the upstream request.
      if (!upstreamDone) await tools.contexts.with(context, () => parts.return?.());
    } finally {
      // Ended even when releasing the upstream request throws.
      span.setAttribute(attributes.outcome, outcome);
      if (outcome === 'error') markFailed(span, code!);
      else if (code !== undefined) span.setAttribute(attributes.outcomeCode, code);
      span.end();
    }
  }
}
