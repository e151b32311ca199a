/**
 * Figure group "browser-conversation": a conversation of 1,000 messages in the web UI, in
 * Debian's headless Chromium (driven by playwright-core), next to a 10-message conversation
 * opened and scrolled the same way in the same run as the baseline.
 *
 * Both are seeded through SutazAI's API (`POST /api/v1/chat/`, 500 and 5 turns) from a
 * model server whose replies are Markdown with code, lists and tables (browser-reply-server.mjs).
 * Then, alternating big and small, after one unmeasured round of each:
 * - open: a fresh page loads `/c/<id>`; from navigation start until the conversation's last
 *   message is laid out in view (polled every animation frame).
 * - switch: on a loaded page, a click on the conversation in the sidebar until its last
 *   message is in view.
 * - scroll: a scripted scroll of a fixed number of animation frames, a fixed distance each
 *   frame (up through the history, turning at either end), timing every frame and
 *   collecting long tasks (PerformanceObserver) meanwhile.
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { startReplyServer, question, REPLY_MODEL } from './browser-reply-server.mjs';
import { spawnSutazai, waitForOk } from './processes.mjs';
import { median, percentile } from './statistics.mjs';

const BENCH = 'browser-conversation';
export const chromiumPath = process.env.SUTAZAI_E2E_CHROMIUM ?? '/usr/bin/chromium';

export async function runBrowserConversationBench({ report, log, bigTurns = 500, smallTurns = 5, opens = 5, scrolls = 3, scrollFrames = 300, scrollStepPx = 100 }) {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium is missing at ${chromiumPath}: install it with \`apt-get install chromium\`, set SUTAZAI_E2E_CHROMIUM, or leave this benchmark out with --only chat,health,startup.`);
  }
  const replies = await startReplyServer();
  const sutazai = await spawnSutazai({ OPENAI_BASE_URL: replies.baseURL, DEFAULT_MODEL: REPLY_MODEL });
  let browser;
  try {
    await waitForOk(`${sutazai.url}/health`, sutazai.process);
    log(`browser: seeding ${bigTurns * 2} and ${smallTurns * 2} messages through ${sutazai.url}`);
    const seedStarted = performance.now();
    const big = await seed(sutazai.url, 'bench-big', bigTurns);
    const small = await seed(sutazai.url, 'bench-small', smallTurns);
    log(`  seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s; detail responses ${big.kilobytes.toFixed(0)} KB and ${small.kilobytes.toFixed(1)} KB`);

    browser = await chromium.launch({
      headless: true,
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const context = await browser.newContext({ baseURL: sutazai.url, viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(30_000);
    const results = { big: { open: [], switch: [], frames: [], longTasks: [], dom: [], traversed: [] }, small: { open: [], switch: [], frames: [], longTasks: [], dom: [], traversed: [] } };
    const conversations = { big, small };

    for (let round = 0; round <= Math.max(opens, scrolls); round++) {
      const measure = round > 0;
      for (const name of round % 2 === 0 ? ['big', 'small'] : ['small', 'big']) {
        const conversation = conversations[name];
        const result = results[name];
        const page = await context.newPage();
        try {
          if (!measure || round <= opens) {
            const openMs = await openFresh(page, conversation);
            const switchMs = await openFromSidebar(page, conversation);
            if (measure) {
              result.open.push(openMs);
              result.switch.push(switchMs);
            }
            log(`  ${name}${measure ? '' : ' (warm-up)'}: open ${openMs.toFixed(0)} ms, switch ${switchMs.toFixed(0)} ms`);
          } else {
            await openFresh(page, conversation);
          }
          if (!measure || round <= scrolls) {
            const scrolled = await scroll(page, scrollFrames, scrollStepPx);
            if (measure) {
              result.frames.push(...scrolled.intervals);
              result.longTasks.push(scrolled.longTaskMs);
              result.dom.push(scrolled.messagesInPage);
              result.traversed.push(scrolled.messagesTraversed);
            }
            log(`  ${name}${measure ? '' : ' (warm-up)'}: scroll frame p50 ${median(scrolled.intervals).toFixed(1)} ms, p95 ${percentile(scrolled.intervals, 0.95).toFixed(1)} ms, `
              + `long tasks ${scrolled.longTaskMs.toFixed(0)} ms, ${scrolled.messagesTraversed} messages passed, ${scrolled.messagesInPage} in the page`);
          }
        } finally {
          await page.close();
        }
      }
    }

    const { big: b, small: s } = results;
    const vsync = median(s.frames);
    const slowPct = (values) => (100 * values.filter((value) => value > 1.5 * vsync).length) / Math.max(1, values.length);
    report.figure({
      bench: BENCH, figure: 'open_ms_p50', value: median(b.open), unit: 'ms', baseline: median(s.open), target: ['<', 1500],
      details: { messages: bigTurns * 2, baseline_messages: smallTurns * 2, runs: b.open.map(Math.round), baseline_runs: s.open.map(Math.round), detail_kb: Math.round(big.kilobytes) },
    });
    report.figure({
      bench: BENCH, figure: 'switch_ms_p50', value: median(b.switch), unit: 'ms', baseline: median(s.switch), target: ['<', 500],
      details: { runs: b.switch.map(Math.round), baseline_runs: s.switch.map(Math.round) },
    });
    report.figure({
      bench: BENCH, figure: 'scroll_frame_ms_p95', value: percentile(b.frames, 0.95), unit: 'ms', baseline: percentile(s.frames, 0.95),
      details: {
        frames: b.frames.length, step_px: scrollStepPx, frame_ms_p50: round1(median(b.frames)), frame_ms_p99: round1(percentile(b.frames, 0.99)), frame_ms_max: round1(Math.max(...b.frames)),
        slow_frames_pct: round1(slowPct(b.frames)), baseline_slow_frames_pct: round1(slowPct(s.frames)), slow_means: `longer than 1.5 x the baseline's median frame (${round1(1.5 * vsync)} ms)`,
        messages_passed_per_run: b.traversed,
      },
    });
    // Virtualised, 1,000 messages should scroll like 10: the same frames, give or take noise.
    report.figure({
      bench: BENCH, figure: 'scroll_frame_p95_ratio', value: percentile(b.frames, 0.95) / percentile(s.frames, 0.95), unit: 'x', target: ['<=', 1.25],
      details: { big_ms: round1(percentile(b.frames, 0.95)), small_ms: round1(percentile(s.frames, 0.95)) },
    });
    report.figure({
      bench: BENCH, figure: 'scroll_long_tasks_ms', value: median(b.longTasks), unit: 'ms', baseline: median(s.longTasks),
      details: { per: `${scrollFrames} frames`, runs: b.longTasks.map(Math.round), baseline_runs: s.longTasks.map(Math.round) },
    });
    report.figure({
      bench: BENCH, figure: 'messages_in_page', value: median(b.dom), unit: 'messages', baseline: median(s.dom), target: ['<', 60],
      details: { of: bigTurns * 2 },
    });
  } finally {
    await browser?.close().catch(() => undefined);
    await sutazai.process.stop();
    await replies.close();
  }
}

function round1(value) {
  if (!Number.isFinite(value)) return null;
  return Math.round(value * 10) / 10;
}

/** `turns` question-and-reply pairs in one conversation, in order; its last message id and the detail's size. */
async function seed(url, sessionId, turns) {
  let lastMessageId;
  for (let index = 0; index < turns; index++) {
    const response = await fetch(`${url}/api/v1/chat/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: question(index), session_id: sessionId, model: REPLY_MODEL }),
    });
    if (!response.ok) throw new Error(`seeding ${sessionId}, turn ${index}: HTTP ${response.status} ${await response.text()}`);
    lastMessageId = (await response.json()).message_id;
  }
  const detail = await fetch(`${url}/api/v1/conversations/${sessionId}`);
  const text = await detail.text();
  const messages = JSON.parse(text).messages;
  if (messages.length !== turns * 2 || messages.at(-1).id !== lastMessageId) {
    throw new Error(`${sessionId} holds ${messages.length} messages, expected ${turns * 2} ending with ${lastMessageId}`);
  }
  return { id: sessionId, lastMessageId, kilobytes: Buffer.byteLength(text) / 1024 };
}

/** Resolves (in the page, every animation frame) when the message is laid out in view; performance.now() then. */
function lastMessageShown(page, messageId) {
  return page.waitForFunction((id) => {
    const element = document.querySelector(`[data-message-id="${CSS.escape(id)}"]`);
    const list = document.querySelector('[data-testid="message-list"]');
    if (!element || !list) return false;
    const box = element.getBoundingClientRect();
    const view = list.getBoundingClientRect();
    return box.height > 0 && box.bottom > view.top && box.top < view.bottom ? performance.now() : false;
  }, messageId, { polling: 'raf', timeout: 30_000 }).then((handle) => handle.jsonValue());
}

/** A fresh page load of the conversation: ms from navigation start until its last message is in view. */
async function openFresh(page, conversation) {
  await page.goto(`/c/${conversation.id}`, { waitUntil: 'commit' });
  return lastMessageShown(page, conversation.lastMessageId);
}

/** From a new chat on the loaded page: a click on the conversation in the sidebar until its last message is in view. */
async function openFromSidebar(page, conversation) {
  await page.getByTestId('new-chat').click();
  await page.waitForFunction(() => !document.querySelector('[data-testid="message-list"]'));
  const item = page.locator(`[data-testid="conversation-item"][data-conversation-id="${conversation.id}"] .conversation-open`);
  await item.waitFor();
  const shown = lastMessageShown(page, conversation.lastMessageId);
  const clickedAt = await page.evaluate((id) => {
    const at = performance.now();
    document.querySelector(`[data-testid="conversation-item"][data-conversation-id="${CSS.escape(id)}"] .conversation-open`).click();
    return at;
  }, conversation.id);
  return (await shown) - clickedAt;
}

/** The scripted scroll, in the page: frame intervals, long tasks, messages passed and in the page. */
async function scroll(page, frames, stepPx) {
  // Let the opening settle (measurements, images of layout) so its work is not counted as scrolling.
  await page.waitForTimeout(500);
  return page.evaluate(async ({ frames, stepPx }) => {
    const list = document.querySelector('[data-testid="message-list"]');
    const longTasks = [];
    const observer = new PerformanceObserver((entries) => {
      for (const entry of entries.getEntries()) longTasks.push(entry.duration);
    });
    observer.observe({ type: 'longtask' });
    const stamps = [];
    const passed = new Set();
    let direction = -1;
    await new Promise((resolve) => {
      const tick = (time) => {
        stamps.push(time);
        for (const row of list.querySelectorAll('.message-row')) passed.add(row.getAttribute('data-index'));
        if (stamps.length > frames) return resolve();
        const end = list.scrollHeight - list.clientHeight;
        let next = list.scrollTop + direction * stepPx;
        if (next <= 0 || next >= end) {
          direction = -direction;
          next = Math.min(end, Math.max(0, next));
        }
        list.scrollTop = next;
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    // Long-task entries are delivered after the task: give them a moment.
    await new Promise((resolve) => setTimeout(resolve, 200));
    observer.disconnect();
    return {
      intervals: stamps.slice(1).map((time, index) => time - stamps[index]),
      longTaskMs: longTasks.reduce((sum, duration) => sum + duration, 0),
      messagesTraversed: passed.size,
      messagesInPage: document.querySelectorAll('[data-testid="message"]').length,
    };
  }, { frames, stepPx });
}
