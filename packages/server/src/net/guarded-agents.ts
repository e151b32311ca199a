import { Agent as HttpAgent, type AgentOptions, type ClientRequestArgs } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { Duplex } from 'node:stream';
import { checkAddressLiteral, compilePolicy, resolveAllowedAddresses, type CompiledPolicy, type OutboundPolicy } from './outbound-policy.js';
import { OutboundRequestBlockedError } from './outbound-request-blocked-error.js';

export interface GuardedAgents {
  http: HttpAgent;
  https: HttpsAgent;
  /** Closes the kept-alive sockets. */
  destroy(): void;
}

type ConnectionCallback = (error: Error | null, stream: Duplex) => void;
type Connect = (options: ClientRequestArgs, callback?: ConnectionCallback) => Duplex | null | undefined;

/**
 * Agents that check every socket they open, at the moment they open it: an address literal
 * directly, a name through a `lookup` that resolves, checks and hands the socket only the
 * allowed addresses. Reused keep-alive sockets were checked when they were opened.
 */
export function createGuardedAgents(policy: OutboundPolicy | CompiledPolicy = {}, options: AgentOptions = { keepAlive: true }): GuardedAgents {
  const compiled = isCompiled(policy) ? policy : compilePolicy(policy);

  class GuardedHttpAgent extends HttpAgent {
    override createConnection(connectOptions: ClientRequestArgs, callback?: ConnectionCallback): Duplex | null | undefined {
      return guardedConnect(compiled, connectOptions, callback, (guarded, done) => super.createConnection(guarded, done));
    }
  }
  class GuardedHttpsAgent extends HttpsAgent {
    override createConnection(connectOptions: ClientRequestArgs, callback?: ConnectionCallback): Duplex | null | undefined {
      return guardedConnect(compiled, connectOptions, callback, (guarded, done) => super.createConnection(guarded, done));
    }
  }

  const http = new GuardedHttpAgent(options);
  const https = new GuardedHttpsAgent(options);
  return {
    http,
    https,
    destroy() {
      http.destroy();
      https.destroy();
    },
  };
}

function isCompiled(policy: OutboundPolicy | CompiledPolicy): policy is CompiledPolicy {
  return 'ranges' in policy && 'names' in policy;
}

function guardedConnect(policy: CompiledPolicy, options: ClientRequestArgs, callback: ConnectionCallback | undefined, connect: Connect): Duplex | null | undefined {
  const host = options.host ?? options.hostname ?? 'localhost';
  const port = Number(options.port ?? options.defaultPort ?? 80);
  if (options.socketPath) {
    return refuseConnection(
      new OutboundRequestBlockedError({ reason: 'socket-path', target: options.socketPath, host, detail: 'connections to Unix sockets are not allowed', hint: 'Use an http: or https: URL.' }),
      callback,
    );
  }
  // Node connects to an address literal without calling `lookup`, so judge it here.
  if (isIP(host) !== 0) {
    const refusal = checkAddressLiteral(host, port, policy);
    if (refusal) return refuseConnection(refusal, callback);
  }
  return connect({ ...options, lookup: guardedLookup(policy, port) }, callback);
}

function refuseConnection(error: Error, callback: ConnectionCallback | undefined): undefined {
  // The agent accepts a socket through the callback instead of the return value; an error
  // there fails the request that asked for the socket.
  process.nextTick(() => callback?.(error, undefined as unknown as Duplex));
  return undefined;
}

function guardedLookup(policy: CompiledPolicy, port: number): LookupFunction {
  return (hostname, options, callback) => {
    resolveAllowedAddresses(hostname, port, policy).then(
      (addresses) => {
        const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : (options.family ?? 0);
        const entries = addresses.map((address) => ({ address, family: isIP(address) })).filter((entry) => family === 0 || entry.family === family);
        const first = entries[0];
        if (!first) {
          callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }), '');
        } else if (options.all) {
          callback(null, entries);
        } else {
          callback(null, first.address, first.family);
        }
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), ''),
    );
  };
}
