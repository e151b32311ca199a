/**
 * A phrase grammar as JSGF, the grammar format pocketsphinx reads. Phrases are reduced to
 * lower-case words so nothing a caller sends can change the grammar's structure.
 */
import { AppError } from '../../../errors/catalogue.js';
import { normalizePhrase } from '../../commands.js';
import type { PhraseGrammar } from '../../speech-to-text.js';

export const MAX_PHRASES = 200;

export function phraseGrammarToJsgf(grammar: PhraseGrammar): string {
  const phrases = [...new Set(grammar.phrases.map(normalizePhrase).filter((phrase) => phrase.length > 0))];
  if (phrases.length === 0) throw new AppError('VALIDATION_FAILED', 'The phrase grammar has no phrases with words.');
  if (phrases.length > MAX_PHRASES) throw new AppError('VALIDATION_FAILED', `A phrase grammar takes at most ${MAX_PHRASES} phrases.`);
  return `#JSGF V1.0;\ngrammar phrases;\npublic <utterance> = ${phrases.join(' | ')};\n`;
}

