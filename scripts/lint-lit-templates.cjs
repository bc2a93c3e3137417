// `npm run lint` (and so `npm test`) type-checks the element's Lit templates with lit-analyzer: bindings
// against the properties they set, event names, unknown elements and attributes.
//
// lit-analyzer loads the compiler with require('typescript'), which here is TypeScript 7, the native
// compiler with no JavaScript API. Every such require in this process is pointed at the TypeScript 5
// that lit-analyzer and web-component-analyzer are built for, installed as `typescript-5`.
const Module = require('node:module');

const typescript5 = require.resolve('typescript-5');
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolveFilename.call(this, request === 'typescript' ? typescript5 : request, ...rest);
};

process.argv.splice(
  2,
  Infinity,
  'widget',
  '--strict',
  // A warning fails the lint like an error.
  '--maxWarnings',
  '0',
  // Its CSS knowledge dates from 2020 (it rejects `color-scheme`, which every engine has supported since
  // 2022); our CSS is checked by the browsers in the tests instead.
  '--rules.no-invalid-css',
  'off',
);
require('lit-analyzer/cli.js');
