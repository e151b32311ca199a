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
