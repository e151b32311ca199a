/**
 * Cuts a streamed reply into sentences as soon as each is complete, so the first one can
 * be spoken while the model is still writing the rest. A sentence ends at . ! ? (or …)
 * followed by a space, or at a line break; very short pieces wait for more ("Dr. Smith"),
 * and a run-on sentence is cut at a comma or a space once it gets long.
 */

const ABBREVIATIONS = new Set(['mr', 'mrs', 'ms', 'dr', 'prof', 'st', 'vs', 'etc', 'e.g', 'i.e', 'jr', 'sr', 'no', 'fig', 'approx']);

export interface SentenceSplitterOptions {
  /** Shorter pieces are joined to the next sentence. */
  minChars?: number;
  /** Longer ones are cut at a comma, semicolon or space. */
  maxChars?: number;
}

export interface SentenceSplitter {
  /** Adds text; answers the sentences it completed. */
  push(text: string): string[];
  /** The rest, at the end of the reply. */
  flush(): string | undefined;
}

export function createSentenceSplitter(options: SentenceSplitterOptions = {}): SentenceSplitter {
  const minChars = options.minChars ?? 12;
  const maxChars = options.maxChars ?? 220;
  let buffer = '';

  function nextBoundary(): number {
    const pattern = /([.!?…]+)(["')\]]*)(\s+)|(\n+)/g;
    for (let match = pattern.exec(buffer); match; match = pattern.exec(buffer)) {
      const end = match.index + match[0].length;
      const piece = buffer.slice(0, match.index).trim();
      // Inside a code block: wait for its end, it is skipped as a whole.
      if ((piece.match(/```/g)?.length ?? 0) % 2 === 1) continue;
      if (match[4] !== undefined) {
        if (piece.length > 0) return end;
        continue;
      }
      if (piece.length + 1 < minChars) continue;
      const lastWord = /([A-Za-z.]+)$/.exec(piece)?.[1]?.toLowerCase();
      if (match[1] === '.' && lastWord && (ABBREVIATIONS.has(lastWord) || /^[a-z]$/.test(lastWord))) continue;
      // "3.5" never reaches here (no space after the dot); "1. item" lists are spoken as they come.
      return end;
    }
    if (buffer.length > maxChars && (buffer.match(/```/g)?.length ?? 0) % 2 === 0) {
      const window = buffer.slice(0, maxChars);
      const soft = Math.max(window.lastIndexOf(', '), window.lastIndexOf('; '), window.lastIndexOf(': '));
      if (soft > minChars) return soft + 2;
      const space = window.lastIndexOf(' ');
      return space > minChars ? space + 1 : maxChars;
    }
    return -1;
  }

  return {
    push(text) {
      buffer += text;
      const sentences: string[] = [];
      for (let end = nextBoundary(); end !== -1; end = nextBoundary()) {
        const sentence = buffer.slice(0, end).trim();
        buffer = buffer.slice(end);
        if (sentence) sentences.push(sentence);
      }
      return sentences;
    },
    flush() {
      const rest = buffer.trim();
      buffer = '';
      return rest || undefined;
    },
  };
}

/**
 * What is read aloud of a sentence written in Markdown: the words, not the markup. Code
 * is not read out; links are read by their text.
 */
export function speakableText(sentence: string): string {
  return sentence
    .replace(/```[\s\S]*?(```|$)/g, ' ')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/https?:\/\/\S+/g, 'a link')
    .replace(/\[\d+\]/g, '')
    .replace(/^\s{0,3}(#{1,6}|>|[-*+]|\d+[.)])\s+/gm, '')
    .replace(/(\*\*|__|\*|_|~~)(?=\S)([^*_~]*\S)\1/g, '$2')
    .replace(/[|#*_~<>]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
