/**
 * Syntax highlighting for fenced code blocks, as a rehype plugin: lowlight turns the code's
 * text into hast spans with hljs classes. It reads text and writes elements; no HTML string
 * is ever parsed, so a reply cannot smuggle markup through a code block.
 */
import type { Element, ElementContent, Root, RootContent } from 'hast';
import { createLowlight } from 'lowlight';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import csharp from 'highlight.js/lib/languages/csharp';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import dockerfile from 'highlight.js/lib/languages/dockerfile';
import go from 'highlight.js/lib/languages/go';
import ini from 'highlight.js/lib/languages/ini';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import kotlin from 'highlight.js/lib/languages/kotlin';
import markdown from 'highlight.js/lib/languages/markdown';
import php from 'highlight.js/lib/languages/php';
import plaintext from 'highlight.js/lib/languages/plaintext';
import python from 'highlight.js/lib/languages/python';
import ruby from 'highlight.js/lib/languages/ruby';
import rust from 'highlight.js/lib/languages/rust';
import shell from 'highlight.js/lib/languages/shell';
import sql from 'highlight.js/lib/languages/sql';
import swift from 'highlight.js/lib/languages/swift';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';

const lowlight = createLowlight({ bash, c, cpp, csharp, css, diff, dockerfile, go, ini, java, javascript, json, kotlin, markdown, php, plaintext, python, ruby, rust, shell, sql, swift, typescript, xml, yaml });
lowlight.registerAlias({ ini: ['toml'], plaintext: ['text', 'txt'], xml: ['html', 'svg'], bash: ['sh', 'zsh'], typescript: ['tsx'], javascript: ['jsx'] });

/** The language named by a code element's `language-*` class, if any. */
export function languageOf(code: Element): string | undefined {
  const classes = code.properties.className;
  const list = Array.isArray(classes) ? classes : [];
  for (const name of list) {
    if (typeof name === 'string' && name.startsWith('language-')) return name.slice('language-'.length);
  }
  return undefined;
}

export function textOf(node: Element | Root | ElementContent | RootContent): string {
  if (node.type === 'text') return node.value;
  if (node.type === 'element' || node.type === 'root') return node.children.map(textOf).join('');
  return '';
}

export function rehypeHighlightCode() {
  return (tree: Root) => {
    visit(tree);
  };
}

function visit(node: Root | Element): void {
  for (const child of node.children) {
    if (child.type !== 'element') continue;
    if (child.tagName === 'pre') {
      const code = child.children.find((c): c is Element => c.type === 'element' && c.tagName === 'code');
      if (code) highlight(code);
      continue;
    }
    visit(child);
  }
}

function highlight(code: Element): void {
  const language = languageOf(code)?.toLowerCase();
  if (!language || !lowlight.registered(language)) return;
  try {
    const result = lowlight.highlight(language, textOf(code));
    code.children = result.children as ElementContent[];
    code.properties.className = [...(Array.isArray(code.properties.className) ? code.properties.className : []), 'hljs'];
  } catch {
    // A grammar that fails on odd input leaves the code as plain text.
  }
}
