// A build step for the shipped element: the line breaks and indentation inside Lit's html`` and css``
// templates are kept by every JS minifier (they are string contents), yet mean nothing to the browser
// between tags and CSS rules. Collapsing them keeps the bundle within its size budget.

import type { Plugin } from 'vite';

const TAGGED_TEMPLATE = /\b(html|css)`/g;

export function collapseTemplateWhitespace(): Plugin {
  return {
    name: 'credit-topup:collapse-template-whitespace',
    enforce: 'pre',
    transform(code, id) {
      if (!/\/widget\/[^/]+\.ts$/.test(id)) return null;
      return { code: collapseIn(code), map: null };
    },
  };
}

export function collapseIn(source: string): string {
  let output = '';
  let position = 0;
  TAGGED_TEMPLATE.lastIndex = 0;
  for (let match = TAGGED_TEMPLATE.exec(source); match; match = TAGGED_TEMPLATE.exec(source)) {
    if (match.index < position) continue;
    const start = match.index + match[0].length;
    const { text, end } = readTemplate(source, start);
    output += `${source.slice(position, start) + text}\``;
    position = end + 1;
    TAGGED_TEMPLATE.lastIndex = position;
  }
  return output + source.slice(position);
}

/** Reads a template from `start` (after its backtick) to its closing backtick, collapsing static parts. */
function readTemplate(source: string, start: number): { text: string; end: number } {
  let text = '';
  let staticPart = '';
  let afterExpression = false;
  let index = start;
  while (index < source.length) {
    const character = source.charAt(index);
    if (character === '\\') {
      staticPart += source.slice(index, index + 2);
      index += 2;
    } else if (character === '`') {
      return { text: text + collapse(staticPart, afterExpression, false), end: index };
    } else if (character === '$' && source[index + 1] === '{') {
      const expressionEnd = readExpression(source, index + 2);
      const expression = collapseIn(source.slice(index + 2, expressionEnd));
      text += `${collapse(staticPart, afterExpression, true)}\${${expression}}`;
      staticPart = '';
      afterExpression = true;
      index = expressionEnd + 1;
    } else {
      staticPart += character;
      index++;
    }
  }
  throw new Error('unterminated template literal');
}

/** Index of the `}` closing an expression that starts at `start`, skipping strings and templates inside. */
function readExpression(source: string, start: number): number {
  let depth = 0;
  let index = start;
  while (index < source.length) {
    const character = source.charAt(index);
    if (character === '`') index = readTemplate(source, index + 1).end;
    else if (character === "'" || character === '"') {
      index++;
      while (source[index] !== character) index += source[index] === '\\' ? 2 : 1;
    } else if (character === '{') depth++;
    else if (character === '}') {
      if (depth === 0) return index;
      depth--;
    }
    index++;
  }
  throw new Error('unterminated template expression');
}

// A line break with its indentation disappears next to a tag or rule boundary, and at the very start and
// end of a template; anywhere else (between words, or between a word and an expression such as
// `${count}\n Credits`) it becomes one space, as the browser would render it.
function collapse(part: string, afterExpression: boolean, beforeExpression: boolean): string {
  return part.replace(/\s*\n\s*/g, (whitespace, offset: number, whole: string) => {
    const before = whole[offset - 1];
    const after = whole[offset + whitespace.length];
    const atEdge = (before === undefined && !afterExpression) || (after === undefined && !beforeExpression);
    const atBoundary =
      before === '>' || after === '<' || (before !== undefined && '{};'.includes(before)) || after === '}';
    return atEdge || atBoundary ? '' : ' ';
  });
}
