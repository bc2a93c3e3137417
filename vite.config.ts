// `npm run build`: dist/credit-topup.js, one ES module with Lit included, usable from a plain
// <script type="module">; Stripe's loader is a separate chunk fetched on first use of the dialog.

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
    rollupOptions: {
      output: { chunkFileNames: 'chunks/[name]-[hash].js', minify: true },
    },
  },
});
