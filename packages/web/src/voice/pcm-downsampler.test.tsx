import { describe, expect, it } from 'vitest';
import { createDownsampler } from './pcm-downsampler';

describe('createDownsampler', () => {
  it('turns 48 kHz floats into 16 kHz PCM16, averaging each three samples', () => {
    const downsample = createDownsampler(48_000);
    const pcm = downsample(new Float32Array([1, 1, 1, -1, -1, -1, 0.5, 0.5, 0.5]));
    expect(Array.from(pcm)).toEqual([32767, -32768, 16384]);
  });

  it('keeps the fraction between buffers, so 44.1 kHz gives 16,000 samples a second', () => {
    const downsample = createDownsampler(44_100);
    let total = 0;
    for (let buffer = 0; buffer < 44_100 / 2_205; buffer++) total += downsample(new Float32Array(2_205).fill(0.25)).length;
    expect(Math.abs(total - 16_000)).toBeLessThanOrEqual(1);
  });

  it('clamps samples outside -1..1', () => {
    expect(Array.from(createDownsampler(16_000)(new Float32Array([2, -3])))).toEqual([32767, -32768]);
  });
});
