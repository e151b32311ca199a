import type { ModelsResponse } from '@sutazai/contracts';
import { failure, request } from './http.js';

export async function modelsListCommand(options: { url: string; json: boolean }): Promise<number> {
  const response = await request(`${options.url}/api/v1/models/`);
  if (!response.ok) {
    console.error(await failure(response));
    return 1;
  }
  const body = (await response.json()) as ModelsResponse;
  if (options.json) {
    console.log(JSON.stringify(body, null, 2));
    return 0;
  }
  if (body.count === 0) {
    console.log('No models available. Start Ollama, set OPENAI_BASE_URL, or put a .gguf file in MODELS_DIR.');
    return 0;
  }
  const width = Math.max(...body.detailed.map((m) => m.name.length));
  for (const model of body.detailed) {
    const mark = model.name === body.default_model ? ' (default)' : '';
    console.log(`${model.name.padEnd(width)}  ${model.provider}${mark}`);
  }
  return 0;
}
