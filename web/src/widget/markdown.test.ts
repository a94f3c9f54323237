import { describe, expect, it } from 'vitest';
import { parseInline, parseMarkdown, safeHref } from './markdown.js';

describe('parseMarkdown', () => {
  it('keeps HTML as plain text', () => {
    expect(parseMarkdown('<img src=x onerror=alert(1)>')).toEqual([
      { type: 'paragraph', children: [{ type: 'text', text: '<img src=x onerror=alert(1)>' }] },
    ]);
  });

  it('parses bold, italic, code and links', () => {
    expect(parseInline('a **b** *c* `d` [e](https://atende.dev/x)')).toEqual([
      { type: 'text', text: 'a ' },
      { type: 'strong', children: [{ type: 'text', text: 'b' }] },
      { type: 'text', text: ' ' },
      { type: 'em', children: [{ type: 'text', text: 'c' }] },
      { type: 'text', text: ' ' },
      { type: 'code', text: 'd' },
      { type: 'text', text: ' ' },
      { type: 'link', href: 'https://atende.dev/x', children: [{ type: 'text', text: 'e' }] },
    ]);
  });

  it('leaves javascript: and relative links as text', () => {
    expect(parseInline('[x](javascript:alert(1))')).toEqual([
      { type: 'text', text: '[x](javascript:alert(1))' },
    ]);
    expect(parseInline('[x](/relative)')).toEqual([{ type: 'text', text: '[x](/relative)' }]);
    expect(safeHref('data:text/html,hi')).toBeUndefined();
    expect(safeHref('mailto:sac@atende.dev')).toBe('mailto:sac@atende.dev');
  });

  it('parses lists, paragraphs and line breaks', () => {
    const blocks = parseMarkdown('Passos:\n1. entre\n2. pague\n\n- Pix\n- boleto\nfim\nlinha');
    expect(blocks.map((b) => b.type)).toEqual(['paragraph', 'list', 'list', 'paragraph']);
    expect(blocks[1]).toMatchObject({
      ordered: true,
      start: 1,
      items: [[{ text: 'entre' }], [{ text: 'pague' }]],
    });
    expect(blocks[2]).toMatchObject({ ordered: false });
    expect(blocks[3]).toEqual({
      type: 'paragraph',
      children: [{ type: 'text', text: 'fim' }, { type: 'break' }, { type: 'text', text: 'linha' }],
    });
  });

  it('copes with half-streamed markup', () => {
    expect(parseInline('um **meio')).toEqual([{ type: 'text', text: 'um **meio' }]);
  });
});
