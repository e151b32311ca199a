/**
 * An OpenAI-compatible audio server for tests, speaking the real protocol over HTTP:
 * `POST /v1/audio/transcriptions` (multipart, json / verbose_json) and
 * `POST /v1/audio/speech` (JSON in, audio bytes out), answering with the engines on this
 * machine behind it, as faster-whisper-server or Kokoro would with theirs. Requests are
 * recorded so tests can check what the adapters sent.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { SpeechToText } from '../speech-to-text.js';
import type { TextToSpeech } from '../text-to-speech.js';

export interface RecordedRequest {
  path: string;
  authorization: string | undefined;
  fields: Record<string, string>;
  fileBytes?: number;
  json?: Record<string, unknown>;
}

export interface OpenAIAudioServer {
  baseURL: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startOpenAIAudioServer(engines: { stt: SpeechToText; tts: TextToSpeech }): Promise<OpenAIAudioServer> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((request, response) => {
    void (async () => {
      const body = await readAll(request);
      const answer = (status: number, payload: unknown, type = 'application/json') => {
        response.writeHead(status, { 'content-type': type });
        response.end(typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload));
      };
      if (request.method === 'POST' && request.url === '/v1/audio/transcriptions') {
        const form = await new Response(body, { headers: { 'content-type': request.headers['content-type'] ?? '' } }).formData();
        const fields: Record<string, string> = {};
        let file: Blob | undefined;
        for (const [key, value] of form.entries()) {
          if (typeof value === 'string') fields[key] = value;
          else file = value;
        }
        requests.push({ path: request.url, authorization: request.headers.authorization, fields, ...(file ? { fileBytes: file.size } : {}) });
        if (!file || !fields.model) return answer(400, { error: { message: 'file and model are required', type: 'invalid_request_error' } });
        const transcript = await engines.stt.transcribe(Buffer.from(await file.arrayBuffer()));
        if (fields.response_format === 'verbose_json') {
          return answer(200, { task: 'transcribe', language: 'english', duration: transcript.durationS, text: transcript.text, words: (transcript.words ?? []).map((w) => ({ word: w.word, start: w.startS, end: w.endS })), segments: [] });
        }
        return answer(200, { text: transcript.text });
      }
      if (request.method === 'POST' && request.url === '/v1/audio/speech') {
        const json = JSON.parse(body.toString('utf8')) as { model?: string; input?: string; voice?: string; response_format?: string; speed?: number };
        requests.push({ path: request.url, authorization: request.headers.authorization, fields: {}, json });
        if (!json.input || !json.voice) return answer(400, { error: { message: 'input and voice are required', type: 'invalid_request_error' } });
        if (json.voice === 'no-such-voice') return answer(400, { error: { message: `Voice ${json.voice} not found`, type: 'invalid_request_error' } });
        const speech = await engines.tts.synthesize(json.input, { speed: json.speed });
        return answer(200, speech.wav, 'audio/wav');
      }
      answer(404, { error: { message: `no route ${request.method} ${request.url}` } });
    })().catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: (error as Error).message } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('not listening');
  return {
    baseURL: `http://127.0.0.1:${address.port}/v1`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function readAll(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
