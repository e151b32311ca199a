/**
 * Model output as Markdown, inert by construction: react-markdown builds React elements from
 * a syntax tree (never innerHTML), raw HTML in the text is shown as text (no rehype-raw),
 * links go through safeUrl, and images are never loaded: a remote image would tell its host
 * who read the reply, and what (data in the URL). They are shown as links instead.
 */
import { memo, type ReactNode } from 'react';
import ReactMarkdown, { type Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';
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
const rehypePlugins = [rehypeHighlightCode];

export const Markdown = memo(function Markdown({ text }: { text: string }) {
  return (
    <div className="markdown">
      <ReactMarkdown remarkPlugins={remarkPlugins} rehypePlugins={rehypePlugins} components={components} urlTransform={safeUrl}>
        {text}
      </ReactMarkdown>
    </div>
  );
});
