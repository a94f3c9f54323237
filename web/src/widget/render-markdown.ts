import { html, nothing, type TemplateResult } from 'lit';
import { type Block, type Inline, parseMarkdown } from './markdown.js';

// Every string goes through Lit's text bindings, which set text content: markup in agent text shows as text.

function inline(nodes: Inline[]): Array<TemplateResult | string> {
  return nodes.map((node): TemplateResult | string => {
    switch (node.type) {
      case 'text':
        return node.text;
      case 'strong':
        return html`<strong>${inline(node.children)}</strong>`;
      case 'em':
        return html`<em>${inline(node.children)}</em>`;
      case 'code':
        return html`<code>${node.text}</code>`;
      case 'link':
        return html`<a href=${node.href} target="_blank" rel="noopener noreferrer nofollow">${inline(node.children)}</a>`;
      default:
        return html`<br />`;
    }
  });
}

function block(node: Block): TemplateResult {
  switch (node.type) {
    case 'paragraph':
      return html`<p>${inline(node.children)}</p>`;
    case 'heading':
      return html`<p class="heading"><strong>${inline(node.children)}</strong></p>`;
    case 'list':
      return node.ordered
        ? html`<ol start=${node.start === 1 ? nothing : node.start}>
            ${node.items.map((item) => html`<li>${inline(item)}</li>`)}
          </ol>`
        : html`<ul>
            ${node.items.map((item) => html`<li>${inline(item)}</li>`)}
          </ul>`;
  }
}

/** Renders agent text (a markdown subset) as Lit templates, safely. */
export function renderMarkdown(text: string): TemplateResult[] {
  return parseMarkdown(text).map(block);
}
