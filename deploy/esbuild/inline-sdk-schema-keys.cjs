'use strict';
/**
 * esbuild plugin: lets esbuild drop the AWS SDK v3 schemas a bundle never uses.
 *
 * Why: each SDK v3 client describes every operation and shape of its service as schema objects in
 * `dist-es/schemas/schemas_0.js`, and a command pulls in only the few it needs. Those objects name their traits
 * with computed keys whose names are module constants (`const _xN = "xmlName"; ... { [_xN]: _II }`). esbuild treats
 * a computed key as possibly side-effecting (it may call toString on the key), so it keeps every such object, used
 * or not, and tree shaking removes almost nothing: the EC2 client alone keeps about half a megabyte of schemas
 * (evanw/esbuild issue 4373, "Tree-shaking and object literals with dynamic keys"; the SDK side is
 * aws/aws-sdk-js-v3 issue 7607, a regression since SDK 3.930).
 *
 * What: while esbuild loads such a schema file, every computed key `[_name]` whose `_name` the same file declares as
 * `const _name = "literal";` is replaced by that string literal. The module means exactly the same thing, and an
 * unused schema is now a pure literal that esbuild drops. Nothing else is touched: a key whose constant is not a plain
 * string literal in that file stays as it is.
 *
 * When the SDK's generator writes literal keys itself (smithy-lang/smithy-typescript pull request 1889, open when this
 * was written), the plugin finds nothing to replace and can go: test/unit/build/inline-sdk-schema-keys.test.ts then
 * fails on its size assertion, which says so.
 *
 * Load it through serverless-esbuild's `plugins:` option (serverless.yml), or pass `plugins` to esbuild directly.
 * It only helps ESM input: set `mainFields: ['module', 'main']` so that esbuild reads the SDK's `dist-es` build.
 */
const { readFile } = require('node:fs/promises');

const NAME = 'fleetpilot-inline-sdk-schema-keys';

/** The SDK's schema modules, including those of @aws-sdk/nested-clients' submodules. */
const SCHEMA_FILE =
  /[\\/]node_modules[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/](?:[^\\/]+[\\/])*schemas[\\/][^\\/]+\.js$/;

/** `const _name = "…";` on a line of its own: the string constants the keys refer to. */
const STRING_CONSTANT = /^const (_[A-Za-z0-9_$]+) = ("(?:[^"\\\n]|\\.)*");$/gm;

/** A computed key right after `{` or `,` (so an array element followed by `:` in a ternary is never matched). */
const COMPUTED_KEY = /([{,]\s*)\[(_[A-Za-z0-9_$]+)\]\s*:/g;

/**
 * Replaces each computed key whose constant is a string literal declared in `source` by that literal.
 * @param {string} source
 * @returns {{ code: string, replaced: number }}
 */
function inlineSchemaKeys(source) {
  const constants = new Map();
  for (const match of source.matchAll(STRING_CONSTANT)) constants.set(match[1], match[2]);
  let replaced = 0;
  const code = source.replace(COMPUTED_KEY, (whole, before, name) => {
    const literal = constants.get(name);
    if (literal === undefined) return whole;
    replaced += 1;
    return `${before}${literal}:`;
  });
  return { code, replaced };
}

/** @returns {import('esbuild').Plugin} */
function inlineSdkSchemaKeys() {
  return {
    name: NAME,
    setup(build) {
      build.onLoad({ filter: SCHEMA_FILE }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        return { contents: inlineSchemaKeys(source).code, loader: 'js' };
      });
    },
  };
}

module.exports = { inlineSdkSchemaKeys, inlineSchemaKeys, SCHEMA_FILE };
