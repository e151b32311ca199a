import { get, type RequestOptions } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createGuardedAgents, type GuardedAgents } from './guarded-agents.js';
import type { OutboundPolicy } from './outbound-policy.js';
import { OutboundRequestBlockedError } from './outbound-request-blocked-error.js';
import { useGuardTestScope } from './test-support/guard-test-scope.js';

const { serve } = useGuardTestScope();
let agents: GuardedAgents | undefined;
afterEach(() => {
  agents?.destroy();
  agents = undefined;
});

function agentFor(policy: OutboundPolicy): GuardedAgents {
  agents = createGuardedAgents(policy);
  return agents;
}

/** A plain node:http request through the agent: the guard must hold without the fetch wrapper. */
function request(options: RequestOptions): Promise<number | Error> {
  return new Promise((resolve) => {
    const outgoing = get(options, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    outgoing.on('error', resolve);
  });
}

describe('createGuardedAgents', () => {
  it.each(['127.0.0.1', '::ffff:127.0.0.1', '127.1', '2130706433', 'localhost'])('refuses a socket to %s by default', async (host) => {
    const server = await serve();
    const outcome = await request({ host, port: server.port, agent: agentFor({}).http });
    expect(outcome).toBeInstanceOf(OutboundRequestBlockedError);
    expect((outcome as OutboundRequestBlockedError).reason).toBe('loopback');
    expect(server.requests).toHaveLength(0);
  });

  it('opens the socket when the policy allows the address', async () => {
    const server = await serve();
    expect(await request({ host: '127.0.0.1', port: server.port, agent: agentFor({ allowLoopback: true }).http })).toBe(200);
    expect(await request({ host: 'localhost', port: server.port, agent: agentFor({ allowLoopback: true }).http })).toBe(200);
  });

  it('names host and port in the refusal when no URL is known', async () => {
    const server = await serve();
    const outcome = await request({ host: '127.0.0.1', port: server.port, agent: agentFor({}).http });
    expect((outcome as Error).message).toContain(`Refused an outbound request to 127.0.0.1:${server.port}: 127.0.0.1 is a loopback address`);
  });

  it('refuses Unix socket paths', async () => {
    const outcome = await request({ socketPath: '/var/run/docker.sock', path: '/containers/json', agent: agentFor({ allowLoopback: true, allowPrivate: true }).http });
    expect((outcome as OutboundRequestBlockedError).reason).toBe('socket-path');
  });

  it('checks each new socket, so concurrent requests each resolve and are each checked', async () => {
    const server = await serve((_, response) => {
      setTimeout(() => response.end('ok'), 20);
    });
    const calls: string[] = [];
    const resolve = (host: string): Promise<string[]> => {
      calls.push(host);
      return Promise.resolve(calls.length === 1 ? ['127.0.0.1'] : ['169.254.169.254']);
    };
    const { http } = agentFor({ allowLoopback: true, resolve });
    const outcomes = await Promise.all([request({ host: 'twice.example', port: server.port, agent: http }), request({ host: 'twice.example', port: server.port, agent: http })]);
    expect(calls).toEqual(['twice.example', 'twice.example']);
    expect(outcomes[0]).toBe(200);
    expect((outcomes[1] as OutboundRequestBlockedError).reason).toBe('metadata');
  });
});
