/**
 * Word error rate: (substitutions + deletions + insertions) / words in the reference, after
 * both are reduced to lower-case words. Used by the speech tests and the benchmark.
 */
import { normalizePhrase } from './commands.js';

export interface WordErrors {
  rate: number;
  errors: number;
  referenceWords: number;
}

export function wordErrorRate(reference: string, hypothesis: string): WordErrors {
  const expected = normalizePhrase(reference).split(' ').filter(Boolean);
  const heard = normalizePhrase(hypothesis).split(' ').filter(Boolean);
  // Levenshtein distance over words, one row at a time.
  let previous = Array.from({ length: heard.length + 1 }, (_, j) => j);
  for (let i = 1; i <= expected.length; i++) {
    const row = [i];
    for (let j = 1; j <= heard.length; j++) {
      const substitution = previous[j - 1]! + (expected[i - 1] === heard[j - 1] ? 0 : 1);
      row.push(Math.min(substitution, previous[j]! + 1, row[j - 1]! + 1));
    }
    previous = row;
  }
  const errors = previous[heard.length]!;
  return { rate: expected.length === 0 ? (heard.length === 0 ? 0 : 1) : errors / expected.length, errors, referenceWords: expected.length };
}
