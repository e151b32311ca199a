/**
 * A closed-loop HTTP/1.1 load generator, run as its own process so its CPU is not the
 * measured server's: `node bench/load-generator.mjs <url> <connections> <durationMs>`.
 * Each keep-alive connection sends one GET, reads the whole answer, sends the next.
 *
 * It speaks HTTP on raw sockets (no pipelining) rather than through `http.request`: the
 * node:http client costs about as much CPU per request as a Fastify server, so on a
 * 2-core machine it would be the bottleneck and hide the difference between two servers.
 * Answers must be 200 with a Content-Length; anything else counts as an error.
 *
 * Prints one JSON line: { requests, errors, durationMs, rps, latencyMs: { p50, p99 } }.
 */
import net from 'node:net';

const HEADER_END = Buffer.from('\r\n\r\n');

export async function runLoad({ url, connections, durationMs }) {
  const target = new URL(url);
  const port = Number(target.port || 80);
  const request = Buffer.from(`GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nConnection: keep-alive\r\nAccept: application/json\r\n\r\n`);
  const sockets = await Promise.all(Array.from({ length: connections }, () => connect(target.hostname, port)));

  let requests = 0;
  let errors = 0;
  let running = true;
  // Latencies of a sample of requests (every 16th), enough for p50/p99 without a large array.
  const latencies = [];
  const started = performance.now();
  const deadline = started + durationMs;

  await Promise.all(sockets.map((socket) => new Promise((resolve) => {
    let buffer = Buffer.alloc(0);
    let sentAt = 0;
    let sample = false;
    const send = () => {
      if (!running || performance.now() >= deadline) {
        running = false;
        socket.destroy();
        resolve();
        return;
      }
      sample = (requests + errors) % 16 === 0;
      sentAt = sample ? performance.now() : 0;
      socket.write(request);
    };
    socket.on('data', (data) => {
      buffer = buffer.length === 0 ? data : Buffer.concat([buffer, data]);
      for (;;) {
        const headerEnd = buffer.indexOf(HEADER_END);
        if (headerEnd === -1) return;
        const head = buffer.subarray(0, headerEnd).toString('latin1');
        const length = contentLength(head);
        if (length === undefined) {
          errors++;
          running = false;
          socket.destroy();
          resolve();
          return;
        }
        const total = headerEnd + HEADER_END.length + length;
        if (buffer.length < total) return;
        if (head.startsWith('HTTP/1.1 200')) requests++;
        else errors++;
        if (sample) latencies.push(performance.now() - sentAt);
        buffer = buffer.subarray(total);
        send();
      }
    });
    socket.once('error', () => {
      errors++;
      resolve();
    });
    socket.once('close', resolve);
    send();
  })));
  const elapsed = performance.now() - started;
  latencies.sort((a, b) => a - b);
  const at = (q) => (latencies.length === 0 ? null : round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]));
  return { requests, errors, durationMs: round(elapsed), rps: round(requests / (elapsed / 1000)), latencyMs: { p50: at(0.5), p99: at(0.99) } };
}

function connect(host, port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, noDelay: true }, () => resolve(socket));
    socket.once('error', reject);
  });
}

function contentLength(head) {
  const match = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  return match ? Number(match[1]) : undefined;
}

function round(value) {
  return Math.round(value * 100) / 100;
}

const [, , url, connections = '32', durationMs = '3000'] = process.argv;
if (url) {
  const result = await runLoad({ url, connections: Number(connections), durationMs: Number(durationMs) });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
