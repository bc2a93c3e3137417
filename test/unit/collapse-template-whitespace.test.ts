// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the inputs are template source code on purpose
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { collapseIn } from '../../widget/build/collapse-template-whitespace.ts';

describe('the build collapses whitespace inside Lit templates', () => {
  test('line breaks with indentation vanish next to tags and rule boundaries, else become one space', () => {
    const source = 'html`\n  <p>\n    ${a}\n    text\n  </p>\n`; css`\n  :host {\n    color: red;\n  }\n`;';
    assert.equal(collapseIn(source), 'html`<p>${a} text</p>`; css`:host {color: red;}`;');
  });

  test('code outside templates, strings and nested templates in expressions are kept as they are', () => {
    const source =
      "const x = 'a\\n  b';\nhtml`<ul>\n  ${items.map((i) => html`<li>\n    ${i}\n  </li>`)}\n</ul>`";
    assert.equal(
      collapseIn(source),
      "const x = 'a\\n  b';\nhtml`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>`",
    );
  });

  test('escaped backticks and braces inside a template do not end it', () => {
    const source = 'html`<p>\\`\n  ${"}"}\n</p>`';
    assert.equal(collapseIn(source), 'html`<p>\\` ${"}"}</p>`');
  });

  test('an unterminated template is an error, not silently wrong output', () => {
    assert.throws(() => collapseIn('html`<p>'), /unterminated template literal/);
  });
});
