/**
 * Preview of scheduled scaling (issue 9, preview: the functions are not deployed yet):
 *
 *   npm run plan -- --service <name> --from <YYYY-MM-DD> --days <n> [--config FILE] [--json]
 *
 * Prints every scheduled change of the service's `schedule:` section in the window, in its time zone and in UTC, with
 * the capacity before and after, the DST transitions and the occurrences the DST gap skips (functions/schedule/plan.ts).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EXAMPLE_CONFIG } from '../deploy/config-file';
import { planJson, planText, planWindow } from '../functions/schedule/plan';
import { loadConfig } from '../shared/config/load';

const USAGE = 'usage: npm run plan -- --service NAME --from YYYY-MM-DD --days N [--config FILE] [--json]';

function main(): number {
  const { values } = parseArgs({
    options: {
      service: { type: 'string' },
      from: { type: 'string' },
      days: { type: 'string' },
      config: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const days = Number(values.days);
  if (
    !values.service ||
    !values.from ||
    !/^\d{4}-\d{2}-\d{2}$/.test(values.from) ||
    !Number.isInteger(days) ||
    days < 1 ||
    days > 366
  ) {
    console.error(USAGE);
    return 2;
  }
  const configFile =
    values.config ?? process.env.FLEETPILOT_CONFIG ?? process.env.FLEETPILOT_CONFIG_FILE ?? EXAMPLE_CONFIG;
  const config = loadConfig(resolve(configFile));
  const service = config.services.find((s) => s.name === values.service);
  if (!service) {
    console.error(
      `no service "${values.service}" in ${configFile} (services: ${config.services.map((s) => s.name).join(', ')})`,
    );
    return 2;
  }
  if (!service.schedule) {
    console.error(`service "${service.name}" has no schedule: section in ${configFile}`);
    return 2;
  }
  const plan = planWindow(service.name, service.schedule, values.from, days);
  if (values.json) console.log(JSON.stringify(planJson(plan)));
  else for (const line of planText(plan)) console.log(line);
  return 0;
}

process.exitCode = main();
