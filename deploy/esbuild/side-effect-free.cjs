'use strict';
/**
 * esbuild plugin: declares named packages free of import-time side effects, so that esbuild drops them from a bundle
 * when nothing of theirs is used.
 *
 * Why: esbuild keeps every imported CommonJS module that does not say `"sideEffects": false` in its package.json,
 * used or not. `yaml` (its "node" export is CommonJS) is imported by shared/config/load.ts, whose small helpers
 * (serviceForGroup, isDryRun) the deployed handlers use; the YAML parser itself runs only when packaging, yet without
 * this plugin its 120 KB ride along in every function. Only list a package whose modules do nothing but define
 * things when loaded.
 */
const NAME = 'fleetpilot-side-effect-free';

/**
 * @param {readonly string[]} packages bare package names, e.g. ['yaml']
 * @returns {import('esbuild').Plugin}
 */
function sideEffectFree(packages) {
  const escaped = packages.map((name) => name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  const filter = new RegExp(`^(?:${escaped.join('|')})$`);
  return {
    name: NAME,
    setup(build) {
      build.onResolve({ filter }, async (args) => {
        if (args.pluginData?.[NAME]) return undefined;
        const resolved = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: { [NAME]: true },
        });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        return { ...resolved, sideEffects: false };
      });
    },
  };
}

module.exports = { sideEffectFree };
