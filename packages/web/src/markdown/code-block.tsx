import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { Element } from 'hast';
import { languageOf, textOf } from './highlight-code';

type CopyState = { kind: 'idle' } | { kind: 'copied' } | { kind: 'failed'; reason: string };

export async function copyText(text: string): Promise<void> {
  if (navigator.clipboard?.writeText) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Pages served over plain http (a LAN address) have no Clipboard API: the old way still works there.
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  const done = document.execCommand('copy');
  area.remove();
  if (!done) throw new Error('the browser refused to copy');
}

/** A fenced code block: the highlighted code, its language, and a copy button. */
export function CodeBlock({ node, children }: { node?: Element | undefined; children?: ReactNode }) {
  const code = node?.children.find((c): c is Element => c.type === 'element' && c.tagName === 'code');
  const language = code ? languageOf(code) : undefined;
  const [copy, setCopy] = useState<CopyState>({ kind: 'idle' });
  const reset = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(reset.current), []);

  const onCopy = async () => {
    try {
      await copyText(code ? textOf(code) : '');
      setCopy({ kind: 'copied' });
    } catch (error) {
      setCopy({ kind: 'failed', reason: error instanceof Error ? error.message : String(error) });
    }
    clearTimeout(reset.current);
    reset.current = setTimeout(() => setCopy({ kind: 'idle' }), 2500);
  };

  return (
    <div className="code-block">
      <div className="code-block-bar">
        <span className="code-block-language">{language ?? 'code'}</span>
        <button type="button" className="button-small" onClick={() => void onCopy()} aria-label={language ? `Copy ${language} code` : 'Copy code'}>
          {copy.kind === 'copied' ? 'Copied' : copy.kind === 'failed' ? 'Copy failed' : 'Copy'}
        </button>
      </div>
      {copy.kind === 'failed' && <p className="code-block-error" role="alert">Could not copy: {copy.reason}</p>}
      <pre>{children}</pre>
    </div>
  );
}
