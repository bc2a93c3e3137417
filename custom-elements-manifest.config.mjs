// `npm run build` writes dist/custom-elements.json from the element's JSDoc (@fires, @csspart, @cssprop,
// @slot), so that editors and frameworks discover its API; package.json points there ("customElements").

/** Lit's internal reactive state (`_balance`, …) is not API: the analyzer would list it as attributes. */
const hideInternalState = {
  name: 'credit-topup:hide-internal-state',
  packageLinkPhase({ customElementsManifest }) {
    for (const module of customElementsManifest.modules) {
      for (const declaration of module.declarations ?? []) {
        const isPublic = (item) => !item.name.startsWith('_') && item.privacy !== 'private';
        if (declaration.attributes) declaration.attributes = declaration.attributes.filter(isPublic);
        if (declaration.members) declaration.members = declaration.members.filter(isPublic);
      }
    }
  },
};

/** The manifest describes what the package ships: dist/credit-topup.js, not the TypeScript source. */
const shippedPaths = {
  name: 'credit-topup:shipped-paths',
  packageLinkPhase({ customElementsManifest }) {
    const shipped = (path) => path.replace(/^widget\/(.*)\.ts$/, 'dist/$1.js');
    for (const module of customElementsManifest.modules) {
      module.path = shipped(module.path);
      for (const exported of module.exports ?? []) {
        if (exported.declaration?.module) exported.declaration.module = shipped(exported.declaration.module);
      }
    }
  },
};

export default {
  globs: ['widget/credit-topup.ts'],
  outdir: 'dist',
  litelement: true,
  plugins: [hideInternalState, shippedPaths],
};
