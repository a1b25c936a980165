/**
 * Sections 3 and 4 measure the lifecycle capability (and the Route 53 writer it uses). On the example config every
 * capability is deployed, so other functions would react to the same instances (a target-health alarm when the group
 * drops below its healthy minimum, the scheduled reconcile, the site check) and their calls would be counted as the
 * lifecycle's. This writes the example with every other capability's section taken out of its services, so the
 * measured stack is the lifecycle capability alone.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseDocument } from 'yaml';
import { lifecycleConfig } from '../../functions/lifecycle/config';
import { loadConfig } from '../../shared/config/load';
import { type FleetpilotConfig, sections } from '../../shared/config/schema';
import { BENCH_DIR, ROOT } from './builds';

/** The example (`configFile`, relative to the repository) without other capabilities' sections: the file and its config. */
export function lifecycleOnly(configFile: string): { config: FleetpilotConfig; configFile: string } {
  const others = new Set(sections.filter((s) => s !== lifecycleConfig).flatMap((s) => Object.keys(s.service)));
  for (const key of Object.keys(lifecycleConfig.service)) others.delete(key);
  const doc = parseDocument(readFileSync(join(ROOT, configFile), 'utf8'));
  const services = doc.get('services') as { items: unknown[] } | undefined;
  for (let i = 0; i < (services?.items.length ?? 0); i++) {
    for (const key of others) doc.deleteIn(['services', i, key]);
  }
  mkdirSync(BENCH_DIR, { recursive: true });
  const file = join(BENCH_DIR, 'lifecycle-only.yml');
  writeFileSync(file, String(doc));
  return { config: loadConfig(file), configFile: relative(ROOT, file) };
}
