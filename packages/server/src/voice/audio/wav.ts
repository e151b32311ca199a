/**
 * The one audio shape the engines exchange: 16-bit PCM in a RIFF/WAVE file. Reading is
 * tolerant of streamed headers (espeak-ng and ffmpeg write a placeholder size when they
 * cannot seek back), and says when a header promises more audio than arrived.
 */

export interface WavInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** 1 = integer PCM, 3 = float, 0xfffe = extensible. */
  formatTag: number;
  dataOffset: number;
  /** Bytes of audio present (the smaller of what the header says and what arrived). */
  dataLength: number;
  /** True when the header declares more audio bytes than the buffer holds (and the size is not a streaming placeholder). */
  truncated: boolean;
  durationS: number;
}

/** Sizes writers use when they cannot know the length: 0, 0xffffffff, or near 2^31. */
function isPlaceholderSize(size: number): boolean {
  return size === 0 || size === 0xffffffff || size >= 0x7fff0000;
}

/** Parses a RIFF/WAVE header; undefined when the bytes are not one. */
export function parseWav(bytes: Uint8Array): WavInfo | undefined {
  if (bytes.length < 12) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (ascii(bytes, 0, 4) !== 'RIFF' || ascii(bytes, 8, 4) !== 'WAVE') return undefined;
  let offset = 12;
  let format: { tag: number; channels: number; sampleRate: number; bits: number } | undefined;
  while (offset + 8 <= bytes.length) {
    const id = ascii(bytes, offset, 4);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ' && body + 16 <= bytes.length) {
      format = { tag: view.getUint16(body, true), channels: view.getUint16(body + 2, true), sampleRate: view.getUint32(body + 4, true), bits: view.getUint16(body + 14, true) };
    } else if (id === 'data') {
      if (!format) return undefined;
      const available = bytes.length - body;
      const placeholder = isPlaceholderSize(size);
      const declared = placeholder ? available : size;
      const dataLength = Math.min(declared, available);
      const frameBytes = Math.max(1, (format.bits / 8) * format.channels);
      return {
        sampleRate: format.sampleRate, channels: format.channels, bitsPerSample: format.bits, formatTag: format.tag,
        dataOffset: body, dataLength, truncated: !placeholder && size > available,
        durationS: format.sampleRate > 0 ? Math.floor(dataLength / frameBytes) / format.sampleRate : 0,
      };
    }
    // Chunks are padded to an even size.
    offset = body + size + (size % 2);
  }
  return undefined;
}

/**
 * The same WAV with its RIFF and data sizes set to what is there, when a streaming writer
 * left placeholders (ffmpeg would otherwise read the missing bytes as a damaged packet).
 */
export function withExactSizes(bytes: Uint8Array, info: WavInfo): Buffer {
  const copy = Buffer.from(bytes.subarray(0, info.dataOffset + info.dataLength));
  copy.writeUInt32LE(copy.length - 8, 4);
  copy.writeUInt32LE(info.dataLength, info.dataOffset - 4);
  return copy;
}

/** A WAV file around 16-bit little-endian mono or multi-channel PCM. */
export function pcm16ToWav(pcm: Uint8Array, sampleRate: number, channels = 1): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * channels * 2, 28);
  header.writeUInt16LE(channels * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}

/** The PCM samples of a 16-bit mono WAV (copied, so the result is aligned). */
export function wavSamples(wav: Uint8Array): Int16Array {
  const info = parseWav(wav);
  if (!info || info.bitsPerSample !== 16 || info.channels !== 1) throw new Error('not a 16-bit mono WAV');
  const copy = new Uint8Array(info.dataLength - (info.dataLength % 2));
  copy.set(wav.subarray(info.dataOffset, info.dataOffset + copy.length));
  return new Int16Array(copy.buffer);
}

/** A 16-bit mono WAV of these samples. */
export function samplesToWav(samples: Int16Array, sampleRate: number): Buffer {
  return pcm16ToWav(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength), sampleRate);
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}
