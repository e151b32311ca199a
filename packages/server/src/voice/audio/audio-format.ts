/**
 * What audio came in, told from its first bytes, and the formats audio goes out in. The
 * container is detected here and named to ffmpeg, so ffmpeg never guesses: no playlist,
 * image or other demuxer reachable from an upload.
 */
import type { VoiceAudioFormat } from '@sutazai/contracts';

export type InputContainer = 'wav' | 'ogg' | 'webm' | 'mp3' | 'm4a' | 'flac' | 'aac';

/** ffmpeg's demuxer for each accepted container. */
export const DEMUXER: Record<InputContainer, string> = {
  wav: 'wav', ogg: 'ogg', webm: 'matroska', mp3: 'mp3', m4a: 'mov', flac: 'flac', aac: 'aac',
};

export type OutputFormat = VoiceAudioFormat;

export const CONTENT_TYPES: Record<OutputFormat, string> = {
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  opus: 'audio/ogg; codecs=opus',
  flac: 'audio/flac',
  aac: 'audio/aac',
  // OpenAI's `pcm`: raw 24 kHz 16-bit little-endian mono, no header.
  pcm: 'audio/pcm; rate=24000; channels=1',
};

export function detectContainer(bytes: Uint8Array): InputContainer | undefined {
  const text = (offset: number, length: number) => String.fromCharCode(...bytes.subarray(offset, offset + length));
  if (bytes.length < 4) return undefined;
  if (text(0, 4) === 'RIFF' && text(8, 4) === 'WAVE') return 'wav';
  if (text(0, 4) === 'OggS') return 'ogg';
  if (bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) return 'webm';
  if (bytes.length >= 12 && text(4, 4) === 'ftyp') return 'm4a';
  if (text(0, 4) === 'fLaC') return 'flac';
  if (text(0, 3) === 'ID3') return 'mp3';
  if (bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xf6) === 0xf0) return 'aac';
  // MPEG audio frame sync: 11 set bits, and a layer that is not "reserved".
  if (bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xe0) === 0xe0 && ((bytes[1] ?? 0) & 0x06) !== 0) return 'mp3';
  return undefined;
}

/** A few words on what unsupported bytes look like, for the error message. */
export function describeUnknown(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'the file is empty';
  const head = Buffer.from(bytes.subarray(0, 64)).toString('latin1');
  if (/^\s*[{[]/.test(head)) return 'it looks like JSON, not audio';
  if (/^\s*</.test(head)) return 'it looks like HTML or XML, not audio';
  if (head.startsWith('%PDF')) return 'it is a PDF document';
  if (head.startsWith('\x89PNG') || head.startsWith('\xff\xd8\xff')) return 'it is an image';
  if (/^[\x09\x0a\x0d\x20-\x7e]+$/.test(head)) return 'it looks like text, not audio';
  return 'its first bytes match none of the accepted formats';
}

/**
 * Ogg pages must be whole: a recording cut off mid-page decodes without complaint from
 * ffmpeg, so it is checked here. Returns why it is damaged, or undefined.
 */
export function oggDamage(bytes: Uint8Array): string | undefined {
  let offset = 0;
  let pages = 0;
  while (offset < bytes.length) {
    if (offset + 27 > bytes.length) return `the file ends inside an Ogg page header (byte ${offset} of ${bytes.length})`;
    if (bytes[offset] !== 0x4f || bytes[offset + 1] !== 0x67 || bytes[offset + 2] !== 0x67 || bytes[offset + 3] !== 0x53) {
      return `no Ogg page starts at byte ${offset}`;
    }
    const segments = bytes[offset + 26]!;
    if (offset + 27 + segments > bytes.length) return 'the file ends inside an Ogg page header';
    let body = 0;
    for (let i = 0; i < segments; i++) body += bytes[offset + 27 + i]!;
    const end = offset + 27 + segments + body;
    if (end > bytes.length) return `the last Ogg page needs ${end - bytes.length} more bytes: the file is truncated`;
    offset = end;
    pages++;
  }
  return pages === 0 ? 'there are no Ogg pages' : undefined;
}

const MPEG_BITRATES: Record<string, number[]> = {
  // kbit/s by index, for [version 1 | 2/2.5] × layer.
  '1-1': [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  '1-2': [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  '1-3': [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  '2-1': [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  '2-2': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  '2-3': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const MPEG_SAMPLE_RATES: Record<number, number[]> = { 3: [44_100, 48_000, 32_000], 2: [22_050, 24_000, 16_000], 0: [11_025, 12_000, 8_000] };

/**
 * MP3 frames must be whole: an mp3 written without a length header (as streaming encoders
 * write it) and cut short decodes without complaint. Walks the frames from the first one;
 * when the walk loses the frame sync it stops judging (junk or tags it does not know).
 */
export function mp3Damage(bytes: Uint8Array): string | undefined {
  let offset = 0;
  if (bytes.length >= 10 && bytes[0] === 0x49 && bytes[1] === 0x44 && bytes[2] === 0x33) {
    const size = ((bytes[6]! & 0x7f) << 21) | ((bytes[7]! & 0x7f) << 14) | ((bytes[8]! & 0x7f) << 7) | (bytes[9]! & 0x7f);
    offset = 10 + size + ((bytes[5]! & 0x10) !== 0 ? 10 : 0);
    if (offset > bytes.length) return 'the file ends inside its ID3 tag';
  }
  let frames = 0;
  while (offset + 4 <= bytes.length) {
    const b1 = bytes[offset + 1]!;
    const b2 = bytes[offset + 2]!;
    if (bytes[offset] !== 0xff || (b1 & 0xe0) !== 0xe0) break;
    const version = (b1 >> 3) & 0x03; // 3: MPEG 1, 2: MPEG 2, 0: MPEG 2.5
    const layer = 4 - ((b1 >> 1) & 0x03); // 1, 2 or 3
    const bitrateIndex = b2 >> 4;
    const rateIndex = (b2 >> 2) & 0x03;
    if (version === 1 || layer === 4 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) break;
    const bitrate = MPEG_BITRATES[`${version === 3 ? 1 : 2}-${layer}`]![bitrateIndex]! * 1000;
    const sampleRate = MPEG_SAMPLE_RATES[version]![rateIndex]!;
    const padding = (b2 >> 1) & 0x01;
    const length = layer === 1
      ? (Math.floor((12 * bitrate) / sampleRate) + padding) * 4
      : Math.floor(((layer === 3 && version !== 3 ? 72 : 144) * bitrate) / sampleRate) + padding;
    if (offset + length > bytes.length) return `its last frame needs ${offset + length - bytes.length} more bytes: the file is truncated`;
    offset += length;
    frames++;
  }
  return frames === 0 && offset + 4 > bytes.length ? 'there are no MPEG audio frames' : undefined;
}
