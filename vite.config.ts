// `npm run build`: dist/credit-topup.js, one ES module with Lit included, usable from a plain
// <script type="module">; the dialog (and Stripe's loader with it) is a chunk it fetches after its first
// paint.

import { defineConfig } from 'vite';
import { collapseTemplateWhitespace } from './widget/build/collapse-template-whitespace.ts';

export default defineConfig({
  plugins: [collapseTemplateWhitespace()],
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    // Library builds keep whitespace by default; what we ship is measured minified (npm run size).
    minify: true,
    lib: {
      entry: 'widget/credit-topup.ts',
      formats: ['es'],
      fileName: () => 'credit-topup.js',
    },
    // dist/.vite/manifest.json: which chunks the entry imports statically (the first load, measured by
    // npm run size) and which it loads later.
    manifest: true,
    rollupOptions: {
      // Code shared by the element and its lazily loaded dialog stays in the element's own file (one
      // request for the first paint), instead of a third file both import.
      preserveEntrySignatures: 'allow-extension',
      output: { chunkFileNames: 'chunks/[name]-[hash].js', minify: true },
    },
  },
});
