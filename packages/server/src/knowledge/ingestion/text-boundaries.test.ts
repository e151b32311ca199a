import { describe, expect, it } from 'vitest';
import { overlapStart, sentenceStarts, splitSpan } from './text-boundaries.js';

const sentencesOf = (text: string): string[] => splitSpan(text, { start: 0, end: text.length }, 'sentences', 0).map(({ start, end }) => text.slice(start, end));

describe('sentence boundaries', () => {
  it('ends sentences at . ! ? … and closing quotes, not at abbreviations, initials or a lower-case continuation', () => {
    expect(sentencesOf('Dr. Ames met J. R. Hollis at 3.30 p.m. on Friday. "Late again?" she asked! It rained… Then it stopped.')).toEqual([
      'Dr. Ames met J. R. Hollis at 3.30 p.m. on Friday.',
      '"Late again?" she asked!',
      'It rained…',
      'Then it stopped.',
    ]);
    expect(sentencesOf('Bring tools, e.g. A spanner. Done')).toEqual(['Bring tools, e.g. A spanner.', 'Done']);
  });

  it('ends one at every line break and at CJK full stops', () => {
    expect(sentencesOf('- first item\n- second item')).toEqual(['- first item', '- second item']);
    expect(sentencesOf('今日は晴れ。明日は雨。')).toEqual(['今日は晴れ。', '明日は雨。']);
  });

  it('looks only inside the range it is given', () => {
    const text = 'One. Two. Three. Four.';
    expect(sentenceStarts(text, 5, 16)).toEqual([10]);
  });

  it('starts an overlap at the earliest sentence in reach, else at a word', () => {
    const text = 'Alpha beta. Gamma delta epsilon.';
    expect(overlapStart(text, 0, 5, text.length)).toBe(12);
    expect(overlapStart(text, 0, 13, text.length)).toBe(18);
    expect(overlapStart(text, 0, 0, text.length)).toBe(0);
    expect(overlapStart(text, 0, 31, text.length)).toBeUndefined();
  });
});
