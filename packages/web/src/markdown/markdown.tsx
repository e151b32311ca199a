/**
 * Model output as Markdown, inert by construction: react-markdown builds React elements from
 * a syntax tree (never innerHTML), raw HTML in the text is shown as text (no rehype-raw),
 * links go through safeUrl, and images are never loaded: a remote image would tell its host
 * who read the reply, and what (data in the URL). They are shown as links instead.
 */
import { memo, useMemo, type MouseEvent, type ReactNode } from 'react';
import ReactMarkdown, { type Components, type Options } from 'react-markdown';
import remarkGfm from 'remark-gfm';
import { CITATION_PROPERTY, rehypeCitationMarkers } from './citation-markers';
import { CodeBlock } from './code-block';
import { rehypeHighlightCode } from './highlight-code';
import { isExternal, safeUrl } from './safe-url';

function SafeLink({ href, children }: { href?: string | undefined; children?: ReactNode }) {
  if (!href) {
    return <span className="link-removed" title="This link was removed: its address is not http, https or mailto.">{children}<span className="visually-hidden"> (link removed)</span></span>;
  }
  return isExternal(href)
    ? <a href={href} target="_blank" rel="noopener noreferrer nofollow">{children}</a>
    : <a href={href}>{children}</a>;
}

function ImageAsLink({ src, alt }: { src?: string | Blob | undefined; alt?: string | undefined }) {
  const address = typeof src === 'string' ? src : '';
  const label = alt ? `Image: ${alt}` : 'Image';
  if (!address) return <span className="image-link">[{label}]</span>;
  return (
    <a className="image-link" href={address} target="_blank" rel="noopener noreferrer nofollow" title="Images in replies are not loaded; open the link to see it.">
      [{label}] {address}
    </a>
  );
}

const components: Components = {
  a: ({ href, children }) => <SafeLink href={href}>{children}</SafeLink>,
  img: ({ src, alt }) => <ImageAsLink src={src} alt={alt} />,
  pre: ({ node, children }) => <CodeBlock node={node}>{children}</CodeBlock>,
  input: ({ type, checked }) => (type === 'checkbox' ? <input type="checkbox" checked={checked ?? false} disabled readOnly /> : null),
};

const remarkPlugins = [remarkGfm];
const rehypePlugins: NonNullable<Options['rehypePlugins']> = [rehypeHighlightCode];

/** How `[n]` markers link to the passages a reply cites (see citation-markers.ts). */
export interface CitationLinks {
  numbers: readonly number[];
  /** The id of the element that shows passage n. */
  targetId(n: number): string;
  /** What a screen reader says for marker n: the document it comes from. */
  label(n: number): string;
  /** Brings passage n into view. */
  show(n: number): void;
}

function CitationMarker({ n, links }: { n: number; links: CitationLinks }) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    event.preventDefault();
    links.show(n);
  };
  return (
    <sup className="citation-marker">
      <a href={`#${links.targetId(n)}`} onClick={onClick} aria-label={links.label(n)} data-testid="citation-marker" data-n={n}>[{n}]</a>
    </sup>
  );
}

export const Markdown = memo(function Markdown({ text, citations }: { text: string; citations?: CitationLinks | undefined }) {
  const [withCitations, citationComponents] = useMemo(() => {
    if (!citations || citations.numbers.length === 0) return [rehypePlugins, components] as const;
    const plugins: NonNullable<Options['rehypePlugins']> = [...rehypePlugins, [rehypeCitationMarkers, { numbers: citations.numbers }]];
    const withMarkers: Components = {
      ...components,
      sup: ({ node, children }) => {
        const n = Number(node?.properties?.[CITATION_PROPERTY]);
        return Number.isInteger(n) && n > 0 ? <CitationMarker n={n} links={citations} /> : <sup>{children}</sup>;
      },
    };
    return [plugins, withMarkers] as const;
  }, [citations]);
  return (
    <div className="markdown">
      <ReactMarkdown remarkPlugins={remarkPlugins} rehypePlugins={withCitations} components={citationComponents} urlTransform={safeUrl}>
        {text}
      </ReactMarkdown>
    </div>
  );
});
