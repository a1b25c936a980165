/**
 * The config as a deployed function reads it at cold start. `serverless package` validates the YAML config
 * (shared/config/load.ts: errors with file and line) and deploy/config.cjs writes the validated result as JSON into
 * every function's package, at BUNDLED_CONFIG_FILE (FLEETPILOT_CONFIG_FILE in serverless.yml). At cold start it is
 * parsed with JSON.parse and validated again with the same zod schema, so no YAML parser ships in a function and a
 * file edited or damaged after packaging still fails fast with a ConfigError that names the path and the problem.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, formatIssuePath } from '../errors';
import { configSchema, type FleetpilotConfig } from './schema';

/** Where the JSON config lies in each function package, relative to the package root. */
export const BUNDLED_CONFIG_FILE = '.fleetpilot/config.json';

/** Parses and validates the JSON text of a bundled config; `file` only names it in errors. */
export function parseBundledConfig(text: string, file: string): FleetpilotConfig {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(file, [`JSON syntax: ${(error as Error).message}`], { cause: error });
  }
  const result = configSchema.safeParse(data);
  if (result.success) return result.data;
  throw new ConfigError(
    file,
    result.error.issues.map((issue) => `${formatIssuePath(issue.path)}: ${issue.message}`),
  );
}

export function loadBundledConfig(file: string): FleetpilotConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [`cannot read the file: ${(error as Error).message}`], { cause: error });
  }
  return parseBundledConfig(text, file);
}

/** Writes a validated config where loadBundledConfig reads it (creating the folder). */
export function writeBundledConfig(config: FleetpilotConfig, file: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
}
