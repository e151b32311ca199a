/**
 * The whole app on a scripted API, for component tests: signed in as an admin with one model
 * and the built-in agent unless `routes` says otherwise, at `path`. happy-dom does no layout,
 * so elements get a screen's size and a height, as in a browser, for the virtualised list.
 */
import { render } from '@testing-library/react';
import { afterEach, beforeEach } from 'vitest';
import { App } from '../app/app';
import { createServices, type Services } from '../app/services';
import { agentsResponse, createFakeApi, healthyReport, json, modelsResponse, user, type Handler } from './fake-api';

let services: Services | undefined;
const layout = Object.fromEntries(['clientHeight', 'clientWidth', 'offsetHeight'].map((name) => [name, Object.getOwnPropertyDescriptor(HTMLElement.prototype, name)]));

/** Call once at the top of a test file that renders the app. */
export function setUpAppTests(): void {
  beforeEach(() => {
    window.history.replaceState(null, '', '/');
    Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 900 });
    Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 800 });
    Object.defineProperty(HTMLElement.prototype, 'offsetHeight', { configurable: true, get: () => 120 });
  });
  afterEach(() => {
    services?.monitor.stop();
    services = undefined;
    window.history.replaceState(null, '', '/');
    for (const [name, descriptor] of Object.entries(layout)) {
      if (descriptor) Object.defineProperty(HTMLElement.prototype, name, descriptor);
    }
  });
}

export function renderApp(routes: Record<string, Handler>, path = '/') {
  window.history.replaceState(null, '', path);
  const fake = createFakeApi({
    'GET /health/detailed': () => json(healthyReport),
    'GET /api/v1/auth/me': () => json(user),
    'GET /api/v1/models/': () => json(modelsResponse),
    'GET /api/v1/agents/': () => json(agentsResponse),
    'GET /api/v1/conversations': () => json({ items: [], next_cursor: null }),
    'GET /api/v1/knowledge': () => json({ items: [] }),
    ...routes,
  });
  services = createServices({ fetch: fake.fetch });
  render(<App services={services} />);
  return fake;
}
