/**
 * Just enough of the Redis protocol (RESP) for the doctor: send a command, read one reply.
 * A client library hides what the doctor needs to see (the exact AUTH and PING answers).
 */
import { connect as connectSocket, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

export type RespReply = { kind: 'ok'; text: string } | { kind: 'error'; text: string };

export interface RespSession {
  command(...args: string[]): Promise<RespReply>;
  close(): void;
}

export function openRespSession(address: string, port: number, options: { tls: boolean; servername?: string; timeoutMs: number }): Promise<RespSession> {
  return new Promise((resolve, reject) => {
    const socket: Socket = options.tls
      ? connectTls({ host: address, port, servername: options.servername, rejectUnauthorized: true })
      : connectSocket({ host: address, port });
    let buffer = Buffer.alloc(0);
    const waiting: { resolve: (reply: RespReply) => void; reject: (error: Error) => void }[] = [];
    let failure: Error | undefined;
    const fail = (error: Error) => {
      failure ??= error;
      for (const waiter of waiting.splice(0)) waiter.reject(failure);
    };
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error(`no connection within ${options.timeoutMs} ms`), { code: 'ETIMEDOUT' }));
    }, options.timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const parsed = parseReply(buffer);
        if (!parsed) break;
        buffer = buffer.subarray(parsed.length);
        waiting.shift()?.resolve(parsed.reply);
      }
    });
    socket.on('error', (error) => fail(error));
    socket.on('close', () => fail(new Error('the server closed the connection')));
    socket.once(options.tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      resolve({
        command(...args) {
          if (failure) return Promise.reject(failure);
          return new Promise<RespReply>((resolveReply, rejectReply) => {
            const timeout = setTimeout(() => rejectReply(new Error(`no answer to ${args[0]} within ${options.timeoutMs} ms`)), options.timeoutMs);
            waiting.push({
              resolve: (reply) => { clearTimeout(timeout); resolveReply(reply); },
              reject: (error) => { clearTimeout(timeout); rejectReply(error); },
            });
            socket.write(`*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`);
          });
        },
        close: () => socket.destroy(),
      });
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** One reply from the start of `buffer`, or undefined when it is not complete yet. */
function parseReply(buffer: Buffer): { reply: RespReply; length: number } | undefined {
  const lineEnd = buffer.indexOf('\r\n');
  if (lineEnd < 0) return undefined;
  const line = buffer.subarray(1, lineEnd).toString('utf8');
  const type = String.fromCharCode(buffer[0]!);
  if (type === '+' || type === ':') return { reply: { kind: 'ok', text: line }, length: lineEnd + 2 };
  if (type === '-') return { reply: { kind: 'error', text: line }, length: lineEnd + 2 };
  if (type === '$') {
    const size = Number(line);
    if (size < 0) return { reply: { kind: 'ok', text: '' }, length: lineEnd + 2 };
    if (buffer.length < lineEnd + 2 + size + 2) return undefined;
    return { reply: { kind: 'ok', text: buffer.subarray(lineEnd + 2, lineEnd + 2 + size).toString('utf8') }, length: lineEnd + 2 + size + 2 };
  }
  // Anything else (arrays, RESP3) the doctor does not ask for: take the line and move on.
  return { reply: { kind: 'ok', text: line }, length: lineEnd + 2 };
}
