/**
 * Writes schema/fleetpilot.schema.json from the config's zod schema (shared/config/schema.ts), for editors that
 * complete and check fleetpilot.*.yml (see the yaml-language-server comment in fleetpilot.example.yml).
 *
 *   npm run schema            # rewrite the file
 *   npm run schema -- --check # exit 1 when the committed file is out of date
 *
 * The schema describes the input side (what a user writes): fields with defaults are optional. Cross-field rules
 * (unknown zone keys, duplicate groups, record name patterns) live in superRefine and only `loadConfig` checks them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { configSchema } from '../shared/config/schema';

export const SCHEMA_FILE = join(__dirname, '..', 'schema', 'fleetpilot.schema.json');

export function renderJsonSchema(): string {
  const schema = z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' });
  const document = {
    ...schema,
    title: 'fleetpilot configuration',
    description: 'Generated from shared/config/schema.ts by scripts/write-json-schema.ts; do not edit by hand.',
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

function main(argv: readonly string[]): number {
  const rendered = renderJsonSchema();
  if (argv.includes('--check')) {
    let committed = '';
    try {
      committed = readFileSync(SCHEMA_FILE, 'utf8');
    } catch {
      // A missing file is simply out of date.
    }
    if (committed === rendered) return 0;
    process.stderr.write(`${SCHEMA_FILE} is out of date: run npm run schema\n`);
    return 1;
  }
  writeFileSync(SCHEMA_FILE, rendered);
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
