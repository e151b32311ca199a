/**
 * Web Audio as the voice code uses it, for happy-dom (which has none): the microphone's
 * ScriptProcessor (the test feeds it buffers) and buffer sources that play decoded bytes
 * (the test ends them). Every context and sound is recorded.
 */
export class FakeSound {
  buffer: { bytes: number[] } | null = null;
  started = false;
  stopped = false;
  onended: (() => void) | null = null;
  connect() {}
  start() {
    this.started = true;
  }
  stop() {
    this.stopped = true;
    this.onended?.();
  }
  /** The sound plays to its end. */
  finish() {
    this.onended?.();
  }
}

export class FakeAudioContext {
  static made: FakeAudioContext[] = [];
  static sounds: FakeSound[] = [];
  static reset() {
    FakeAudioContext.made = [];
    FakeAudioContext.sounds = [];
  }
  sampleRate = 48_000;
  state: 'running' | 'suspended' | 'closed' = 'running';
  processor = { onaudioprocess: null as null | ((event: unknown) => void), connect() {}, disconnect() {} };
  destination = {};
  constructor() {
    FakeAudioContext.made.push(this);
  }
  get closed() {
    return this.state === 'closed';
  }
  createMediaStreamSource() {
    return { connect() {}, disconnect() {} };
  }
  createScriptProcessor() {
    return this.processor;
  }
  createGain() {
    return { gain: { value: 1 }, connect() {}, disconnect() {} };
  }
  decodeAudioData(data: ArrayBuffer) {
    return Promise.resolve({ bytes: Array.from(new Uint8Array(data)) });
  }
  createBufferSource() {
    const sound = new FakeSound();
    FakeAudioContext.sounds.push(sound);
    return sound;
  }
  resume() {
    this.state = 'running';
    return Promise.resolve();
  }
  close() {
    this.state = 'closed';
    return Promise.resolve();
  }
  /** A microphone buffer arrives. */
  feed(samples: number[]) {
    this.processor.onaudioprocess?.({ inputBuffer: { getChannelData: () => new Float32Array(samples) } });
  }
}
