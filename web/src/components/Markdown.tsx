import MarkdownIt from "markdown-it";
import { useMemo } from "react";

/**
 * Untrusted markdown (a model card written by whoever registered the version):
 * raw HTML is shown as text (`html: false`), and links and images keep only
 * http(s), mailto and relative URLs: never javascript:, data: or vbscript:.
 */
const markdown = new MarkdownIt({ html: false, linkify: true, typographer: false });
const SAFE_URL = /^(https?:|mailto:|#|\/|\.\/|\.\.\/|[^:]*$)/i;
markdown.validateLink = (url) => SAFE_URL.test(url.trim());
const defaultLinkOpen = markdown.renderer.rules.link_open;
markdown.renderer.rules.link_open = (tokens, index, options, env, self) => {
  // Links leave the app in a new context: no opener, no referrer.
  tokens[index]!.attrSet("rel", "noopener noreferrer nofollow");
  return defaultLinkOpen ? defaultLinkOpen(tokens, index, options, env, self) : self.renderToken(tokens, index, options);
};

/** The HTML markdown-it makes of `source` under the rules above. */
export function renderMarkdown(source: string): string {
  return markdown.render(source);
}

/** A model card, rendered safely. */
export function Markdown({ source }: { source: string }) {
  const html = useMemo(() => renderMarkdown(source), [source]);
  // markdown-it escapes every raw tag (html: false) and drops unsafe URLs: the HTML is its own.
  return <div className="markdown" dangerouslySetInnerHTML={{ __html: html }} />;
}
