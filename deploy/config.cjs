'use strict';
/**
 * Bridge between serverless.yml and the fleetpilot config: `${file(./deploy/config.cjs):<key>}` resolves to
 * `<key>` of the StackValues that deploy/stack-values.ts derives from the validated config.
 *
 * The config file: `--param config=<path>`, else FLEETPILOT_CONFIG, else fleetpilot.<stage>.yml (stages dev and test
 * fall back to fleetpilot.example.yml with a notice). See deploy/config-file.ts.
 *
 * The validated config is also written as JSON to <service dir>/.fleetpilot/config.json (BUNDLED_CONFIG_FILE in
 * shared/config/bundled.ts), which serverless.yml packages into every function and names in FLEETPILOT_CONFIG_FILE:
 * a function parses JSON at cold start and validates it with the same schema, and ships no YAML parser.
 *
 * The TypeScript loader is loaded through tsx's scoped CommonJS API, so the zod schema exists once
 * (shared/config/schema.ts) and the serverless process keeps its own module loading untouched.
 */
const path = require('node:path');
const { register } = require('tsx/cjs/api');

const serviceDir = path.resolve(__dirname, '..');
const tsx = register({ namespace: 'fleetpilot-deploy-config' });
/** @type {typeof import('./stack-values')} */
const { loadStackValues } = tsx.require('./stack-values.ts', __filename);
/** @type {typeof import('../shared/config/load')} */
const { loadConfig } = tsx.require('../shared/config/load.ts', __filename);
/** @type {typeof import('../shared/config/bundled')} */
const { BUNDLED_CONFIG_FILE, writeBundledConfig } = tsx.require('../shared/config/bundled.ts', __filename);

/** One load per config file and stage, whatever the number of variables that read it. */
const cache = new Map();
const noticesShown = new Set();

function paramValue(options, name) {
  const params = Array.isArray(options.param) ? options.param : options.param ? [options.param] : [];
  for (const item of params) {
    const match = /^([^=]+)=(.*)$/.exec(String(item));
    if (match && match[1] === name) return match[2].trim();
  }
  return undefined;
}

/**
 * An error whose stack is its message: serverless prints `error.stack`, and the config's problems (file, line,
 * path, expectation) are the whole story — a JavaScript stack trace would only bury them.
 */
function readableError(error) {
  const readable = new Error(error?.message ? error.message : String(error));
  readable.stack = readable.message;
  return readable;
}

module.exports = async ({ options, resolveVariable }) => {
  const stage = String(await resolveVariable('sls:stage'));
  const request = {
    serviceDir,
    stage,
    service: String(await resolveVariable('self:service')),
    param: paramValue(options || {}, 'config'),
    env: process.env.FLEETPILOT_CONFIG,
  };
  const key = JSON.stringify(request);
  if (!cache.has(key)) {
    try {
      const loaded = loadStackValues(request);
      writeBundledConfig(loadConfig(loaded.choice.absolutePath), path.join(serviceDir, BUNDLED_CONFIG_FILE));
      cache.set(key, { ok: loaded });
    } catch (error) {
      cache.set(key, { error: readableError(error) });
    }
  }
  const entry = cache.get(key);
  if (entry.error) {
    // serverless lists one error per variable that reads this file: give the full text once, then refer to it.
    if (entry.reported) {
      throw readableError(new Error(`${entry.error.message.split('\n')[0].replace(/:$/, '')} (see above)`));
    }
    entry.reported = true;
    throw entry.error;
  }
  const { values, choice } = entry.ok;
  if (choice.notice && !noticesShown.has(choice.notice)) {
    noticesShown.add(choice.notice);
    process.stderr.write(`${choice.notice}\n`);
  }
  return values;
};
