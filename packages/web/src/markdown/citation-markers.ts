/**
 * Citation markers as a rehype plugin: `[2]` (or `[1, 3]`) in a reply's text becomes a marker
 * element for each number the reply really has a passage for. It reads text nodes and writes
 * elements it builds itself; nothing from the model is parsed as HTML, and numbers without a
 * passage stay plain text. Code and links are left alone.
 */
import type { Element, ElementContent, Root, RootContent } from 'hast';

/** The hast property (data-citation) that marks a `sup` element as one of ours. */
export const CITATION_PROPERTY = 'dataCitation';

const MARKERS = /\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]/g;
const SKIPPED = new Set(['code', 'pre', 'a']);

export function rehypeCitationMarkers(options: { numbers: readonly number[] }) {
  const known = new Set(options.numbers);
  return (tree: Root) => {
    if (known.size > 0) replaceIn(tree, known);
  };
}

function replaceIn(parent: Root | Element, known: ReadonlySet<number>): void {
  const children: (RootContent | ElementContent)[] = [];
  for (const child of parent.children) {
    if (child.type === 'text') children.push(...split(child.value, known));
    else {
      if (child.type === 'element' && !SKIPPED.has(child.tagName)) replaceIn(child, known);
      children.push(child);
    }
  }
  parent.children = children as typeof parent.children;
}

function split(text: string, known: ReadonlySet<number>): ElementContent[] {
  const parts: ElementContent[] = [];
  let last = 0;
  for (const match of text.matchAll(MARKERS)) {
    const numbers = match[1]!.split(',').map((part) => Number(part.trim()));
    if (!numbers.every((n) => known.has(n))) continue;
    if (match.index > last) parts.push({ type: 'text', value: text.slice(last, match.index) });
    for (const n of numbers) parts.push(marker(n));
    last = match.index + match[0].length;
  }
  if (last === 0) return [{ type: 'text', value: text }];
  if (last < text.length) parts.push({ type: 'text', value: text.slice(last) });
  return parts;
}

function marker(n: number): Element {
  return { type: 'element', tagName: 'sup', properties: { [CITATION_PROPERTY]: String(n), className: ['citation-marker'] }, children: [{ type: 'text', value: `[${n}]` }] };
}
