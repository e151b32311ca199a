/**
 * The spans of a chat turn: the turn itself (`chat turn`, from the request to the stored
 * reply), knowledge retrieval and each tool call inside it. The model calls are the
 * providers' spans (model-call-spans.ts), children of the turn through the context.
 */
import type { ToolRegistry } from '../agents/tools/tool.js';
import type { KnowledgeRetrieval } from '../chat/chat-service.js';
import type { ChatTracing } from './tracing.js';
import { attributes, errorCode, inSpan, markFailed, startChild, type SpanTools } from './span-tools.js';

export function createChatTracing(tools: SpanTools): ChatTracing {
  return {
    async turn(input, start) {
      const { span, context } = startChild(tools, 'chat turn', {
        attributes: {
          'sutazai.turn.background': input.background === true,
          ...(input.agent !== undefined ? { 'gen_ai.agent.id': input.agent } : {}),
          ...(input.knowledge?.length ? { 'sutazai.knowledge.bases': input.knowledge.length } : {}),
        },
      });
      const endFailed = (error: unknown) => {
        span.setAttribute(attributes.outcome, 'error');
        markFailed(span, errorCode(error));
        span.end();
      };
      let started;
      try {
        // The turn's work, begun here, goes on in this context after `start` returns.
        started = await tools.contexts.with(context, start);
      } catch (error) {
        endFailed(error);
        throw error;
      }
      const { turn } = started;
      span.setAttributes({
        'gen_ai.conversation.id': turn.sessionId,
        'sutazai.message_id': turn.messageId,
        'gen_ai.request.model': turn.model,
        'gen_ai.provider.name': turn.provider,
      });
      // A rejected outcome is the caller's to handle; the span still ends, failed.
      void started.finished.then((outcome) => {
        span.setAttribute(attributes.outcome, outcome.status);
        if (outcome.status === 'error') markFailed(span, outcome.errorCode ?? 'INTERNAL_ERROR');
        else if (outcome.errorCode !== null) span.setAttribute(attributes.outcomeCode, outcome.errorCode);
        span.end();
      }, endFailed);
      return started;
    },
  };
}

export function traceRetrieval(retrieval: KnowledgeRetrieval, tools: SpanTools): KnowledgeRetrieval {
  return {
    existingBases: (ownerId, ids) => retrieval.existingBases(ownerId, ids),
    retrieveForChat: (ownerId, baseIds, query, k) => inSpan(tools, 'knowledge retrieve', {
      attributes: { 'sutazai.knowledge.bases': baseIds.length, 'sutazai.knowledge.k': k },
    }, async (span) => {
      const citations = await retrieval.retrieveForChat(ownerId, baseIds, query, k);
      span.setAttribute('sutazai.knowledge.passages', citations.length);
      return citations;
    }),
  };
}

export function traceTools(registry: ToolRegistry, tools: SpanTools): ToolRegistry {
  return {
    list: () => registry.list(),
    async resolve(entries) {
      const resolved = await registry.resolve(entries);
      return {
        missing: resolved.missing,
        tools: resolved.tools.map((tool) => ({
          name: tool.name, description: tool.description, parameters: tool.parameters, source: tool.source,
          // Neither the arguments nor the result are recorded: they hold what the user and the model wrote.
          execute: (args, context) => inSpan(tools, `execute_tool ${tool.name}`, {
            attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': tool.name, 'sutazai.tool.source': tool.source },
          }, async (span) => {
            const result = await tool.execute(args, context);
            if (result.isError) markFailed(span, 'TOOL_FAILED');
            return result;
          }),
        })),
      };
    },
  };
}
