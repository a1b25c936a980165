/**
 * Which fleetpilot config file a deployment uses. serverless.yml (through deploy/config.cjs) and readWiring() both
 * choose it here, so the local event bus tests the same file a deploy would bundle.
 *
 * Order: `--param config=<path>`, else the environment variable FLEETPILOT_CONFIG, else `fleetpilot.<stage>.yml`.
 * When that file does not exist and the stage is `dev` or `test`, `fleetpilot.example.yml` is used with a notice;
 * for any other stage a missing file is an error (a production deploy never runs on the example).
 */
import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';

export const EXAMPLE_CONFIG = 'fleetpilot.example.yml';
const FALLBACK_STAGES: readonly string[] = ['dev', 'test'];

export interface ConfigFileChoice {
  /** Absolute path of the file. */
  absolutePath: string;
  /** Path relative to the service directory, with "/" separators: where the file lands in each function zip. */
  packagedPath: string;
  /** Why this file was chosen, for the notice printed on fallback. */
  source: 'param' | 'env' | 'stage' | 'example-fallback';
  /** Set when the example was used because `fleetpilot.<stage>.yml` does not exist. */
  notice?: string;
}

export interface ConfigFileRequest {
  serviceDir: string;
  stage: string;
  /** The value of `--param config=...`, if given. */
  param?: string | undefined;
  /** The value of FLEETPILOT_CONFIG, if set. */
  env?: string | undefined;
}

export class ConfigFileNotFoundError extends Error {
  override readonly name = 'ConfigFileNotFoundError';
}

export function chooseConfigFile(request: ConfigFileRequest): ConfigFileChoice {
  const { serviceDir, stage } = request;
  const explicit = nonEmpty(request.param)
    ? { path: request.param, source: 'param' as const, via: '--param config' }
    : nonEmpty(request.env)
      ? { path: request.env, source: 'env' as const, via: 'FLEETPILOT_CONFIG' }
      : undefined;
  if (explicit) {
    const absolutePath = resolve(serviceDir, explicit.path);
    if (!existsSync(absolutePath)) {
      throw new ConfigFileNotFoundError(`fleetpilot config ${absolutePath} (from ${explicit.via}) does not exist`);
    }
    return { absolutePath, packagedPath: packagedPath(serviceDir, absolutePath), source: explicit.source };
  }
  const stageFile = resolve(serviceDir, `fleetpilot.${stage}.yml`);
  if (existsSync(stageFile)) {
    return { absolutePath: stageFile, packagedPath: packagedPath(serviceDir, stageFile), source: 'stage' };
  }
  if (FALLBACK_STAGES.includes(stage)) {
    const example = resolve(serviceDir, EXAMPLE_CONFIG);
    return {
      absolutePath: example,
      packagedPath: packagedPath(serviceDir, example),
      source: 'example-fallback',
      notice: `fleetpilot: fleetpilot.${stage}.yml not found; stage "${stage}" uses ${EXAMPLE_CONFIG}`,
    };
  }
  throw new ConfigFileNotFoundError(
    `fleetpilot config fleetpilot.${stage}.yml not found in ${serviceDir}. Create it (copy ${EXAMPLE_CONFIG}), ` +
      'or name a file with --param config=<path> or FLEETPILOT_CONFIG=<path>. ' +
      `Only the stages ${FALLBACK_STAGES.join(' and ')} fall back to the example.`,
  );
}

/**
 * The file is bundled into each function zip at its path relative to the service directory (serverless
 * `package.patterns` only reach files inside it), so a file elsewhere is refused rather than silently left out.
 */
function packagedPath(serviceDir: string, absolutePath: string): string {
  const rel = relative(serviceDir, absolutePath);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw new ConfigFileNotFoundError(
      `fleetpilot config ${absolutePath} is outside the service directory ${serviceDir}; ` +
        'it must be inside it to be bundled into the functions',
    );
  }
  return rel.split(sep).join('/');
}

function nonEmpty(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}
