import { describe, expect, it } from 'vitest';
import { chunkDocument } from '../../packages/server/src/knowledge/ingestion/chunk-document.js';
import { documentText } from '../../packages/server/src/knowledge/ingestion/document.js';
import { parseDocument } from '../../packages/server/src/knowledge/ingestion/parse-document.js';
import { answerCoverage, evaluateRetrieval, isHit, loadRetrievalSet, normalizeText, sameDocument } from './evaluate.mjs';
import { createKeywordSearch, tokenize } from './keyword-search.mjs';

const set = await loadRetrievalSet();

async function parsedText(name: string, text: string): Promise<string> {
  return normalizeText(documentText(await parseDocument({ bytes: new TextEncoder().encode(text), filename: name })));
}

function occurrences(haystack: string, needle: string): number {
  let count = 0;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) count++;
  return count;
}

describe('the retrieval set', () => {
  it('has 15 to 25 documents of 600 to 2,000 words and at least 200 questions of both kinds', () => {
    expect(set.documents.length).toBeGreaterThanOrEqual(15);
    expect(set.documents.length).toBeLessThanOrEqual(25);
    for (const document of set.documents) {
      const words = document.text.split(/\s+/).filter(Boolean).length;
      expect(words, document.name).toBeGreaterThanOrEqual(600);
      expect(words, document.name).toBeLessThanOrEqual(2_000);
    }
    expect(set.questions.length).toBeGreaterThanOrEqual(200);
    expect(new Set(set.questions.map((question) => question.id)).size).toBe(set.questions.length);
    const keyword = set.questions.filter((question) => question.type === 'keyword').length;
    const paraphrase = set.questions.filter((question) => question.type === 'paraphrase').length;
    expect(keyword + paraphrase).toBe(set.questions.length);
    expect(Math.min(keyword, paraphrase)).toBeGreaterThan(set.questions.length * 0.3);
    // Every document is asked about.
    expect(new Set(set.questions.map((question) => question.document))).toEqual(new Set(set.documents.map((document) => document.name)));
  });

  it('has each answer phrase exactly once in its document as parsed, and in no other document', async () => {
    const texts = new Map<string, string>();
    for (const document of set.documents) texts.set(document.name, await parsedText(document.name, document.text));
    const problems: string[] = [];
    for (const question of set.questions) {
      const phrase = normalizeText(question.answer_phrase);
      const own = occurrences(texts.get(question.document) ?? '', phrase);
      const elsewhere = [...texts].filter(([name, text]) => name !== question.document && text.includes(phrase)).map(([name]) => name);
      if (own !== 1 || elsewhere.length > 0) problems.push(`${question.id}: ${own} times in ${question.document}; also in ${elsewhere.join(', ') || 'none'}`);
    }
    expect(problems).toEqual([]);
  });

  it('words paraphrased questions mostly apart from their answer passages', () => {
    const paragraphs = new Map(set.documents.map((document) => [document.name, document.text.split(/\n\s*\n/)]));
    const shared = set.questions
      .filter((question) => question.type === 'paraphrase')
      .map((question) => {
        const passage = paragraphs.get(question.document)!.find((paragraph) => normalizeText(paragraph).includes(normalizeText(question.answer_phrase)))!;
        const words = new Set(tokenize(passage));
        return tokenize(question.question).filter((word, index, all) => words.has(word) && all.indexOf(word) === index).length;
      });
    expect(Math.max(...shared)).toBeLessThanOrEqual(2);
  });
});

describe('what counts as a hit', () => {
  const question = { id: 'x', question: '?', document: 'recipes.md', answer_phrase: 'Roast for 40 minutes, until the edges blacken' };

  it('is a result from the right document that holds the answer phrase, ignoring case, spacing and emphasis marks', () => {
    expect(isHit({ documentName: 'recipes.md', text: 'Then *roast* for 40\nminutes, until the EDGES blacken.' }, question)).toBe(true);
    expect(isHit({ document_name: 'corpus/recipes.md', text: 'roast for 40 minutes, until the edges blacken' }, question)).toBe(true);
    expect(isHit({ documentName: 'other.md', text: 'Roast for 40 minutes, until the edges blacken' }, question)).toBe(false);
    expect(sameDocument('Recipes', 'corpus/recipes.md')).toBe(true);
  });

  it('counts a chunk cut through the phrase when it holds at least half of it at its edge', () => {
    expect(answerCoverage('Heat the oven. Roast for 40 minutes, until', question.answer_phrase)).toBeGreaterThanOrEqual(0.5);
    expect(isHit({ documentName: 'recipes.md', text: 'Heat the oven. Roast for 40 minutes, until' }, question)).toBe(true);
    expect(isHit({ documentName: 'recipes.md', text: 'minutes, until the edges blacken. Serve.' }, question)).toBe(true);
    expect(isHit({ documentName: 'recipes.md', text: 'Heat the oven. Roast for 40' }, question)).toBe(false);
    // Half the phrase in the middle of a chunk is not the passage: it must sit at the cut.
    expect(isHit({ documentName: 'recipes.md', text: 'Roast for 40 minutes, until done. Rest it.' }, question)).toBe(false);
  });
});

describe('evaluateRetrieval', () => {
  const questions = set.questions.slice(0, 4);
  const hitFor = (question: (typeof questions)[number]) => ({ documentName: question.document, text: `... ${question.answer_phrase} ...` });
  const miss = { documentName: 'nowhere.md', text: 'nothing' };

  it('scores a perfect search 1 and an empty one 0', async () => {
    const perfect = await evaluateRetrieval((query) => [hitFor(questions.find((question) => question.question === query)!)], { questions });
    expect(perfect).toMatchObject({ questions: 4, recallAt1: 1, recallAt5: 1, mrr: 1, misses: [] });
    const empty = await evaluateRetrieval(() => [], { questions });
    expect(empty).toMatchObject({ recallAt5: 0, mrr: 0 });
    expect(empty.misses).toHaveLength(4);
  });

  it('takes the rank of the first hit: recall@5 counts ranks 1 to 5, MRR averages 1 / rank', async () => {
    const rankOf = [1, 3, 7, 0];
    const evaluation = await evaluateRetrieval(
      async (query, k) => {
        const index = questions.findIndex((question) => question.question === query);
        const results = Array.from({ length: k }, () => miss);
        if (rankOf[index]) results[rankOf[index]! - 1] = hitFor(questions[index]!);
        return results;
      },
      { questions, k: 10, concurrency: 2 },
    );
    expect(evaluation.ranks.map((entry) => entry.rank)).toEqual([1, 3, 7, null]);
    expect(evaluation.recallAt1).toBe(0.25);
    expect(evaluation.recallAt5).toBe(0.5);
    expect(evaluation.recallAtK).toBe(0.75);
    expect(evaluation.mrr).toBeCloseTo((1 + 1 / 3 + 1 / 7) / 4, 10);
    expect(evaluation.misses.map((entry) => [entry.id, entry.rank])).toEqual([
      [questions[2]!.id, 7],
      [questions[3]!.id, null],
    ]);
  });

  it('runs over the whole set with an in-memory keyword search on the real chunks', async () => {
    const passages: Array<{ documentName: string; text: string }> = [];
    for (const document of set.documents) {
      const parsed = await parseDocument({ bytes: new TextEncoder().encode(document.text), filename: document.name });
      for (const chunk of chunkDocument(parsed, { maxChars: 1200, overlapChars: 150 })) passages.push({ documentName: document.name, text: chunk.text });
    }
    const evaluation = await evaluateRetrieval(createKeywordSearch(passages));
    expect(evaluation.questions).toBe(set.questions.length);
    // Keyword search finds nearly every keyword question and far fewer paraphrased ones: the set tells the methods apart.
    expect(evaluation.byType.keyword!.recallAt5).toBeGreaterThan(0.9);
    expect(evaluation.byType.paraphrase!.recallAt5).toBeLessThan(evaluation.byType.keyword!.recallAt5 - 0.15);
    expect(evaluation.mrr).toBeGreaterThan(0.5);
    expect(evaluation.mrr).toBeLessThanOrEqual(evaluation.recallAtK);
  });
});
