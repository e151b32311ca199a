import { act, fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { NetworkError } from '../api/api-error';
import type { HealthDetailedResponse } from '../api/types';
import { healthyReport } from '../test/fake-api';
import { backoffDelay } from './backoff';
import { ConnectionBanner } from './connection-banner';
import { createConnectionMonitor, type ConnectionState } from './connection-monitor';

describe('backoff with jitter', () => {
  it('doubles the ceiling with each attempt, up to the cap', () => {
    const top = () => 0.999999;
    expect([0, 1, 2, 3, 4, 5, 6, 10].map((attempt) => backoffDelay(attempt, { baseMs: 1000, maxMs: 30_000, random: top }))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('draws between half the ceiling and the ceiling', () => {
    expect(backoffDelay(3, { random: () => 0 })).toBe(4000);
    expect(backoffDelay(3, { random: () => 0.5 })).toBe(6000);
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelay(2);
      expect(delay).toBeGreaterThanOrEqual(2000);
      expect(delay).toBeLessThanOrEqual(4000);
    }
  });
});

describe('the connection monitor', () => {
  function setup(answers: (() => Promise<HealthDetailedResponse>)[]) {
    const timers: { callback: () => void; ms: number }[] = [];
    let clock = 1_000_000;
    const fetchHealth = vi.fn(() => answers.shift()?.() ?? Promise.reject(new Error('no more answers')));
    const monitor = createConnectionMonitor({
      url: 'http://sutazai.test/health/detailed',
      fetchHealth,
      pollMs: 15_000,
      backoff: { baseMs: 1000, maxMs: 30_000, random: () => 0.5 },
      now: () => clock,
      setTimer: (callback, ms) => {
        const timer = { callback, ms };
        timers.push(timer);
        return timer;
      },
      clearTimer: (timer) => {
        const index = timers.indexOf(timer as (typeof timers)[number]);
        if (index >= 0) timers.splice(index, 1);
      },
    });
    /** Fires the next retry or poll timer (the one longer than the request timeout). */
    const fireSchedule = async () => {
      const next = timers.find((t) => t.ms !== 8000);
      if (!next) throw new Error('nothing scheduled');
      timers.splice(timers.indexOf(next), 1);
      clock += next.ms;
      next.callback();
      await flush();
    };
    return { monitor, fetchHealth, timers, fireSchedule };
  }
  const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
  const down = () => Promise.reject(new NetworkError('http://sutazai.test/health/detailed', new TypeError('Failed to fetch')));
  const up = () => Promise.resolve(healthyReport as HealthDetailedResponse);

  it('reports the URL and the error when the server does not answer, and retries with growing delays', async () => {
    const { monitor, timers, fireSchedule } = setup([down, down, down, up]);
    monitor.start();
    await flush();
    let state = monitor.getState();
    expect(state).toMatchObject({ phase: 'offline', url: 'http://sutazai.test/health/detailed', error: 'Failed to fetch', attempt: 0 });
    expect(timers.find((t) => t.ms !== 8000)?.ms).toBe(750);
    await fireSchedule();
    expect(monitor.getState()).toMatchObject({ phase: 'offline', attempt: 1 });
    expect(timers.find((t) => t.ms !== 8000)?.ms).toBe(1500);
    await fireSchedule();
    expect(timers.find((t) => t.ms !== 8000)?.ms).toBe(3000);
    await fireSchedule();
    state = monitor.getState();
    expect(state.phase).toBe('online');
    // Back to polling at the normal pace.
    expect(timers.find((t) => t.ms !== 8000)?.ms).toBe(15_000);
    monitor.stop();
  });

  it('checks at once when asked, instead of waiting for the retry', async () => {
    const { monitor, fetchHealth } = setup([down, up]);
    monitor.start();
    await flush();
    expect(monitor.getState().phase).toBe('offline');
    monitor.checkNow();
    await flush();
    expect(fetchHealth).toHaveBeenCalledTimes(2);
    expect(monitor.getState().phase).toBe('online');
    monitor.stop();
  });

  it('skips routine checks while told not to poll (a hidden tab), but not retries', async () => {
    let visible = false;
    const timers: { callback: () => void; ms: number }[] = [];
    const fetchHealth = vi.fn(() => Promise.resolve(healthyReport as HealthDetailedResponse));
    const monitor = createConnectionMonitor({
      url: 'u', fetchHealth, pollMs: 15_000, shouldPoll: () => visible,
      setTimer: (callback, ms) => { const t = { callback, ms }; timers.push(t); return t; },
      clearTimer: (t) => { const i = timers.indexOf(t as (typeof timers)[number]); if (i >= 0) timers.splice(i, 1); },
    });
    monitor.start();
    await flush();
    expect(fetchHealth).toHaveBeenCalledTimes(1);
    const poll = () => { const t = timers.find((x) => x.ms === 15_000)!; timers.splice(timers.indexOf(t), 1); t.callback(); };
    poll();
    await flush();
    expect(fetchHealth).toHaveBeenCalledTimes(1);
    visible = true;
    poll();
    await flush();
    expect(fetchHealth).toHaveBeenCalledTimes(2);
    monitor.stop();
  });

  it('tells its subscribers about every change', async () => {
    const { monitor } = setup([up]);
    const seen: string[] = [];
    monitor.subscribe(() => seen.push(monitor.getState().phase));
    monitor.start();
    await flush();
    expect(seen).toEqual(['online']);
    monitor.stop();
  });
});

describe('the connection banner', () => {
  const offline: ConnectionState = { phase: 'offline', url: 'http://sutazai.test/health/detailed', error: 'connect ECONNREFUSED 127.0.0.1:10200', attempt: 2, retryAt: 10_000, since: 0 };

  it('says the server cannot be reached, with the URL it tried, the error and the next retry', () => {
    const onRetry = vi.fn();
    render(<ConnectionBanner state={offline} onRetry={onRetry} now={() => 6_500} />);
    const banner = screen.getByTestId('connection-banner');
    expect(banner.getAttribute('role')).toBe('alert');
    expect(banner.textContent).toContain('cannot be reached');
    expect(banner.textContent).toContain('GET http://sutazai.test/health/detailed');
    expect(banner.textContent).toContain('connect ECONNREFUSED 127.0.0.1:10200');
    expect(banner.textContent).toContain('Trying again in 4 s (attempt 3)');
    fireEvent.click(screen.getByTestId('connection-retry'));
    expect(onRetry).toHaveBeenCalledOnce();
  });

  it('disappears when the server is back and healthy', () => {
    const { rerender } = render(<ConnectionBanner state={offline} onRetry={() => undefined} />);
    expect(screen.queryByTestId('connection-banner')).not.toBeNull();
    act(() => rerender(<ConnectionBanner state={{ phase: 'online', url: offline.url, report: healthyReport as HealthDetailedResponse, checkedAt: 0 }} onRetry={() => undefined} />));
    expect(screen.queryByTestId('connection-banner')).toBeNull();
  });

  it('says what is missing when the server answers but is degraded', () => {
    const report = { ...healthyReport, status: 'degraded', services: [{ ...healthyReport.services[1]!, status: 'down' }] } as HealthDetailedResponse;
    render(<ConnectionBanner state={{ phase: 'online', url: offline.url, report, checkedAt: 0 }} onRetry={() => undefined} />);
    expect(screen.getByTestId('connection-banner').textContent).toContain('no model provider does');
    expect(screen.getByTestId('connection-banner').textContent).toContain('Down: llama-cpp');
  });
});
