import { describe, expect, it } from 'vitest';
import { createSentenceSplitter, speakableText } from './sentence-splitter.js';

/** Feeds text in small pieces, as a model streams it. */
function split(text: string, pieceLength = 3): string[] {
  const splitter = createSentenceSplitter();
  const sentences: string[] = [];
  for (let i = 0; i < text.length; i += pieceLength) sentences.push(...splitter.push(text.slice(i, i + pieceLength)));
  const rest = splitter.flush();
  return rest ? [...sentences, rest] : sentences;
}

describe('sentence splitter', () => {
  it('hands out each sentence as soon as the space after it arrives', () => {
    const splitter = createSentenceSplitter();
    expect(splitter.push('Once upon a time there was a cat.')).toEqual([]);
    expect(splitter.push(' It')).toEqual(['Once upon a time there was a cat.']);
    // "Was it?" is too short to be spoken alone: it waits for the next sentence.
    expect(splitter.push(' was happy! Was it? Yes')).toEqual(['It was happy!']);
    expect(splitter.flush()).toBe('Was it? Yes');
  });

  it('joins very short pieces to the next sentence', () => {
    expect(split('Hi. I am Jarvis. How can I help you today?')).toEqual(['Hi. I am Jarvis.', 'How can I help you today?']);
  });

  it('does not end a sentence at an abbreviation, an initial or a decimal point', () => {
    expect(split('I met Dr. Smith and J. Doe at 3.5 miles from here. Then we left.')).toEqual(['I met Dr. Smith and J. Doe at 3.5 miles from here.', 'Then we left.']);
  });

  it('ends a sentence at a line break, and keeps closing quotes with it', () => {
    expect(split('She said "Go away." Then she left\nThe end')).toEqual(['She said "Go away."', 'Then she left', 'The end']);
  });

  it('cuts a run-on sentence at a comma once it is long', () => {
    const long = `${'word '.repeat(30)}and then, ${'more '.repeat(30)}end.`;
    const sentences = split(long);
    expect(sentences.length).toBeGreaterThan(1);
    expect(sentences.every((s) => s.length <= 220)).toBe(true);
    expect(sentences.join(' ').replace(/\s+/g, ' ')).toBe(long.trim().replace(/\s+/g, ' '));
  });

  it('keeps a code block whole', () => {
    expect(split('Here is code:\n```js\nconst a = 1.\nconst b = 2;\n```\nDone now.')).toEqual(['Here is code:', '```js\nconst a = 1.\nconst b = 2;\n```', 'Done now.']);
  });
});

describe('speakable text', () => {
  it('reads Markdown as words', () => {
    expect(speakableText('## **Bold** and _italic_ with `code` and [a link](https://x.y) [1]')).toBe('Bold and italic with code and a link');
    expect(speakableText('- first item')).toBe('first item');
    expect(speakableText('See https://example.com/page for more.')).toBe('See a link for more.');
  });

  it('does not read code blocks out', () => {
    expect(speakableText('```js\nconst a = 1;\n```')).toBe('');
  });
});
