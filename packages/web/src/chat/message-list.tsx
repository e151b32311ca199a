/**
 * The messages of a conversation, virtualised: only the ones in view (and a few around) are
 * in the page, so a conversation of thousands of messages opens and scrolls smoothly.
 * It follows the bottom while a reply streams, unless the reader scrolled up.
 */
import { useCallback, useLayoutEffect, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { ChatMessage } from './chat-state';
import { MessageItem, type MessageActions } from './message-item';

const NEAR_BOTTOM_PX = 80;

export function MessageList({ messages, actions, conversationKey }: { messages: ChatMessage[]; actions: MessageActions; conversationKey: string }) {
  const scroller = useRef<HTMLDivElement>(null);
  const followBottom = useRef(true);
  const virtualizer = useVirtualizer({
    count: messages.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => 140,
    overscan: 6,
    getItemKey: (index) => messages[index]?.key ?? index,
    // Before the first measurement (and in tests without layout): assume a screenful.
    initialRect: { width: 800, height: 900 },
  });

  const onScroll = useCallback(() => {
    const element = scroller.current;
    if (!element) return;
    followBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < NEAR_BOTTOM_PX;
  }, []);

  // A newly opened conversation starts at its end.
  useLayoutEffect(() => {
    followBottom.current = true;
  }, [conversationKey]);

  const last = messages[messages.length - 1];
  const totalSize = virtualizer.getTotalSize();
  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element || !followBottom.current || messages.length === 0) return;
    // Past the end is clamped to the end; the virtualiser renders what is there.
    element.scrollTop = Math.max(element.scrollHeight, totalSize);
  }, [messages.length, last?.content, last?.status, totalSize, conversationKey]);

  return (
    <div ref={scroller} className="message-scroller" onScroll={onScroll} role="log" aria-label="Conversation" aria-live="off" data-testid="message-list" tabIndex={0}>
      <div className="message-track" style={{ height: totalSize }}>
        {virtualizer.getVirtualItems().map((item) => {
          const message = messages[item.index];
          if (!message) return null;
          return (
            <div key={item.key} ref={virtualizer.measureElement} data-index={item.index} className="message-row" style={{ transform: `translateY(${item.start}px)` }}>
              <MessageItem message={message} actions={actions} />
            </div>
          );
        })}
      </div>
    </div>
  );
}
