/**
 * A test client of GET /api/v1/voice/ws: sends PCM as a microphone would (in short frames,
 * optionally paced in real time) and records every frame, pairing each `audio` frame with
 * the binary frame after it.
 */
import WebSocket from 'ws';

export interface ReceivedFrame {
  type: string;
  [key: string]: unknown;
  /** Local receive time (performance.now). */
  receivedAt: number;
  /** For `audio` frames: the bytes that followed. */
  audio?: Buffer;
}

export interface VoiceSocketClient {
  frames: ReceivedFrame[];
  send(frame: object): void;
  /** A text frame as it is (for malformed JSON). */
  sendText(text: string): void;
  sendBinary(bytes: Buffer): void;
  /** Sends samples in frames of `frameSamples`; `realTime` paces them as a microphone would. Resolves with the send time of the last frame. */
  sendAudio(samples: Int16Array, options?: { frameSamples?: number; realTime?: boolean }): Promise<number>;
  waitFor(predicate: (frame: ReceivedFrame) => boolean, timeoutMs?: number, description?: string): Promise<ReceivedFrame>;
  close(): Promise<void>;
}

export async function connectVoiceSocket(url: string, headers: Record<string, string> = {}): Promise<VoiceSocketClient> {
  const socket = new WebSocket(url, { headers });
  const frames: ReceivedFrame[] = [];
  const waiters = new Set<() => void>();
  let pendingAudio: ReceivedFrame | undefined;
  socket.on('message', (data: Buffer, isBinary: boolean) => {
    const receivedAt = performance.now();
    if (isBinary) {
      if (pendingAudio) {
        pendingAudio.audio = Buffer.from(data);
        frames.push(pendingAudio);
        pendingAudio = undefined;
      } else {
        frames.push({ type: 'unexpected-binary', receivedAt, audio: Buffer.from(data) });
      }
    } else {
      const frame = { ...(JSON.parse(data.toString('utf8')) as { type: string }), receivedAt };
      if (frame.type === 'audio') pendingAudio = frame;
      else frames.push(frame);
    }
    for (const wake of waiters) wake();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
  });

  return {
    frames,
    send: (frame) => socket.send(JSON.stringify(frame)),
    sendText: (text) => socket.send(text),
    sendBinary: (bytes) => socket.send(bytes, { binary: true }),
    async sendAudio(samples, options = {}) {
      const frameSamples = options.frameSamples ?? 640;
      const started = performance.now();
      let lastSent = started;
      for (let offset = 0; offset < samples.length; offset += frameSamples) {
        const frame = samples.subarray(offset, offset + frameSamples);
        if (options.realTime) {
          const due = started + (offset / 16_000) * 1000;
          const wait = due - performance.now();
          if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
        }
        socket.send(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength), { binary: true });
        lastSent = performance.now();
      }
      return lastSent;
    },
    waitFor(predicate, timeoutMs = 60_000, description = 'a frame') {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = frames.find(predicate);
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${description} within ${timeoutMs} ms; got: ${frames.map((f) => f.type).join(', ')}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    close: () => new Promise<void>((resolve) => {
      if (socket.readyState === WebSocket.CLOSED) return resolve();
      socket.once('close', () => resolve());
      socket.close();
    }),
  };
}
