import { readServerSentEvents } from '@sutazai/contracts';
import { failure, request } from './http.js';

/** Prints a reply as it streams from `POST /api/v1/chat/stream`. */
export async function chatCommand(options: { url: string; message: string; model?: string | undefined; session?: string | undefined; agent?: string | undefined }): Promise<number> {
  const body = { message: options.message, model: options.model, session_id: options.session, agent: options.agent };
  const response = await request(`${options.url}/api/v1/chat/stream`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify(body),
  });
  if (!response.ok || !response.body) {
    console.error(await failure(response));
    return 1;
  }
  let code = 1;
  for await (const { event, data: payload } of readServerSentEvents(response.body as unknown as AsyncIterable<Uint8Array>)) {
    if (event === 'text-delta') process.stdout.write(String(payload.text));
    else if (event === 'message-end') {
      process.stdout.write('\n');
      code = payload.status === 'complete' ? 0 : 1;
      if (code) console.error(`(reply ${String(payload.status)}: ${String(payload.finish_reason)})`);
    } else if (event === 'error') {
      process.stdout.write('\n');
      console.error(`${String(payload.code)}: ${String(payload.message)}${payload.hint ? `\nHint: ${String(payload.hint)}` : ''}`);
      code = 1;
    }
  }
  return code;
}
