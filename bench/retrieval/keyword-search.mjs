/**
 * A small in-memory BM25 keyword search over passages, with no dependencies: the baseline
 * that exercises the evaluator, and a yardstick for the real full-text search (which should
 * do at least as well on the same chunks).
 */

const STOPWORDS = new Set(
  ('a an and are as at be by can do does for from has have how i if in into is it its my of on or should so that the their them ' +
    'then there these this to was what when where which who why will with you your me we our after before than too up out').split(' '),
);

/** Lower-case words and numbers, stop words dropped, a plural "s" folded. */
export function tokenize(text) {
  const tokens = [];
  for (const match of text.normalize('NFKC').toLowerCase().matchAll(/[\p{L}\p{N}]+(?:[.'’][\p{L}\p{N}]+)*/gu)) {
    let token = match[0].replace(/[’']s$/, '');
    if (STOPWORDS.has(token)) continue;
    if (token.length > 3 && token.endsWith('s') && !token.endsWith('ss')) token = token.slice(0, -1);
    tokens.push(token);
  }
  return tokens;
}

/**
 * @param {Array<{ documentName: string, text: string }>} passages
 * @param {{ k1?: number, b?: number }} [options]
 * @returns {(query: string, k: number) => Array<{ documentName: string, text: string, score: number }>}
 */
export function createKeywordSearch(passages, { k1 = 1.2, b = 0.75 } = {}) {
  const documents = passages.map((passage) => {
    const counts = new Map();
    const tokens = tokenize(passage.text);
    for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
    return { passage, counts, length: tokens.length };
  });
  const averageLength = documents.reduce((total, document) => total + document.length, 0) / Math.max(1, documents.length);
  const frequency = new Map();
  for (const document of documents) for (const token of document.counts.keys()) frequency.set(token, (frequency.get(token) ?? 0) + 1);
  const idf = (token) => {
    const n = frequency.get(token) ?? 0;
    return Math.log(1 + (documents.length - n + 0.5) / (n + 0.5));
  };

  return (query, k) => {
    const terms = [...new Set(tokenize(query))];
    const scored = [];
    documents.forEach((document, index) => {
      let score = 0;
      for (const term of terms) {
        const count = document.counts.get(term);
        if (!count) continue;
        score += (idf(term) * count * (k1 + 1)) / (count + k1 * (1 - b + (b * document.length) / averageLength));
      }
      if (score > 0) scored.push({ index, score });
    });
    scored.sort((left, right) => right.score - left.score || left.index - right.index);
    return scored.slice(0, k).map(({ index, score }) => ({ ...documents[index].passage, score }));
  };
}
