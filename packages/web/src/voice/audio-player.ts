/**
 * Plays audio bytes through Web Audio (decodeAudioData, a buffer source). Not an <audio>
 * element from a blob URL: the server's CSP (`default-src 'self'`, no `media-src`) forbids
 * blob: media, and a buffer source needs no URL at all.
 */
export interface Playback {
  stop(): void;
  /** Resolves when the sound ends or is stopped. */
  finished: Promise<void>;
}

export interface AudioPlayer {
  play(audio: Blob): Promise<Playback>;
  close(): void;
}

/** The browser's AudioContext (prefixed in older Safari); a NotSupportedError without Web Audio. */
export function audioContextClass(): typeof AudioContext {
  const AudioContextClass = globalThis.AudioContext ?? (globalThis as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
  if (!AudioContextClass) throw new DOMException('This browser has no Web Audio.', 'NotSupportedError');
  return AudioContextClass;
}

export function createAudioPlayer(): AudioPlayer {
  const context = new (audioContextClass())();
  return {
    async play(audio) {
      // A context made outside a user gesture starts suspended.
      if (context.state === 'suspended') await context.resume();
      const buffer = await context.decodeAudioData(await audio.arrayBuffer());
      const source = context.createBufferSource();
      source.buffer = buffer;
      source.connect(context.destination);
      let done!: () => void;
      const finished = new Promise<void>((resolve) => {
        done = resolve;
      });
      source.onended = () => done();
      source.start();
      return {
        stop() {
          source.onended = null;
          try {
            source.stop();
          } catch {
            // Already ended.
          }
          done();
        },
        finished,
      };
    },
    close() {
      void context.close();
    },
  };
}
