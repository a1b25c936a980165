/**
 * The config as a deployed function reads it at cold start. `serverless package` validates the YAML config
 * (shared/config/load.ts: errors with file and line) and deploy/config.cjs writes the validated result as JSON into
 * every function's package, at BUNDLED_CONFIG_FILE (FLEETPILOT_CONFIG_FILE in serverless.yml). At cold start it is
 * parsed with JSON.parse and validated again: the base and the sections the function reads (its capability's), with
 * the same schema parts and checks as packaging (shared/config/compose.ts). So no YAML parser ships in a function, a
 * bundle carries only its own section's schema, and a file edited or damaged after packaging still fails fast with a
 * ConfigError that names the path and the problem. Other capabilities' sections are carried through unread.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, formatIssuePath } from '../errors';
import { composeConfigSchema } from './compose';
import type { FleetpilotConfig } from './schema';
import type { ConfigSection } from './section';

/** Where the JSON config lies in each function package, relative to the package root. */
export const BUNDLED_CONFIG_FILE = '.fleetpilot/config.json';

/**
 * Parses the JSON text of a bundled config and validates the base and `sections`; `file` only names it in errors.
 * The result is typed as the whole config: packaging validated every section, and the caller reads only its own.
 */
export function parseBundledConfig(text: string, file: string, sections: readonly ConfigSection[]): FleetpilotConfig {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(file, [`JSON syntax: ${(error as Error).message}`], { cause: error });
  }
  const result = composeConfigSchema(sections, 'carry').safeParse(data);
  if (result.success) return result.data as unknown as FleetpilotConfig;
  throw new ConfigError(
    file,
    result.error.issues.map((issue) => `${formatIssuePath(issue.path)}: ${issue.message}`),
  );
}

export function loadBundledConfig(file: string, sections: readonly ConfigSection[]): FleetpilotConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [`cannot read the file: ${(error as Error).message}`], { cause: error });
  }
  return parseBundledConfig(text, file, sections);
}

/** Writes a validated config where loadBundledConfig reads it (creating the folder). */
export function writeBundledConfig(config: FleetpilotConfig, file: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
}
