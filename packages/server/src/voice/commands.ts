/**
 * The wake word and the spoken commands of hands-free mode, engine-neutral: engines with a
 * grammar decode against these phrases, others transcribe freely and the text is matched.
 */
import type { PhraseGrammar } from './speech-to-text.js';

export const WAKE_WORD = 'jarvis';

/** Said after the wake word, these stop the reply instead of asking the model. */
export const STOP_COMMANDS = ['stop', 'cancel', 'be quiet', 'never mind'] as const;

/** Requests said after the wake word; they go to the model as the user's message. */
export const REQUESTS = [
  'what time is it', 'what day is it', 'what is the weather', 'tell me a joke', 'tell me a story', 'who are you',
  'what can you do', 'help', 'thank you', 'good morning', 'good night', 'goodbye', 'turn on the lights', 'turn off the lights', 'play music',
] as const;

/** The wake word alone, and followed by each command or request. */
export const commandGrammar: PhraseGrammar = {
  phrases: [WAKE_WORD, ...[...STOP_COMMANDS, ...REQUESTS].map((phrase) => `${WAKE_WORD} ${phrase}`)],
};

export interface CommandMatch {
  /** The utterance began with the wake word. */
  wake: boolean;
  /** A stop command followed it. */
  stop: boolean;
  /** What followed the wake word (empty when only the wake word was said). */
  rest: string;
}

export function matchCommand(text: string): CommandMatch {
  const words = normalizePhrase(text).split(' ').filter(Boolean);
  // "hey jarvis" / "ok jarvis" as well as "jarvis"; whisper-style engines may write "Jarvis,".
  const at = words.slice(0, 3).indexOf(WAKE_WORD);
  if (at === -1) return { wake: false, stop: false, rest: normalizePhrase(text) };
  const rest = words.slice(at + 1).join(' ');
  return { wake: true, stop: (STOP_COMMANDS as readonly string[]).includes(rest), rest };
}

/** Lower case, letters and apostrophes only, single spaces: "Jarvis, stop!" → "jarvis stop". */
export function normalizePhrase(phrase: string): string {
  return phrase.toLowerCase().replace(/[^a-z' ]+/g, ' ').replace(/\s+/g, ' ').trim();
}
