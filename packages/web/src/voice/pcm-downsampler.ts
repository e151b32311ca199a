/**
 * Microphone samples (Float32 at the audio context's rate, 44.1 or 48 kHz) to the hands-free
 * protocol's 16-bit little-endian mono PCM at 16 kHz. Each output sample averages the input
 * samples it covers (a cheap low-pass); the fractional position carries over between buffers,
 * so consecutive buffers join without clicks or drift.
 */
export const SOCKET_SAMPLE_RATE = 16_000;

export function createDownsampler(fromRate: number, toRate = SOCKET_SAMPLE_RATE): (input: Float32Array) => Int16Array {
  const ratio = fromRate / toRate;
  let pending = new Float32Array(0);
  let start = 0;
  return (input) => {
    const samples = new Float32Array(pending.length + input.length);
    samples.set(pending);
    samples.set(input, pending.length);
    const output = new Int16Array(Math.max(0, Math.floor((samples.length - start) / ratio)));
    let position = start;
    let written = 0;
    while (written < output.length && position + ratio <= samples.length + 1e-9) {
      const from = Math.floor(position);
      const to = Math.max(from + 1, Math.floor(position + ratio));
      let sum = 0;
      for (let index = from; index < to && index < samples.length; index++) sum += samples[index]!;
      const value = Math.max(-1, Math.min(1, sum / (to - from)));
      output[written++] = value < 0 ? Math.round(value * 0x8000) : Math.round(value * 0x7fff);
      position += ratio;
    }
    const keep = Math.min(samples.length, Math.floor(position));
    pending = samples.slice(keep);
    start = position - keep;
    return output.subarray(0, written);
  };
}
