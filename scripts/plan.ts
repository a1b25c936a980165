/**
 * Preview of scheduled scaling (issue 9, preview: the functions are not deployed yet):
 *
 *   npm run plan -- --service <name> --from <YYYY-MM-DD> --days <n> [--config FILE] [--json] [--svg FILE]
 *
 * Prints every scheduled change of the service's `schedule:` section in the window, in its time zone and in UTC, with
 * the capacity before and after, the DST transitions and the occurrences the DST gap skips (functions/schedule/plan.ts),
 * then a chart of the capacity (scripts/plan/chart.ts). `--svg FILE` writes the same chart as an SVG image
 * (scripts/plan/svg.ts). A problem with the arguments or the config is one line on stderr and exit code 2.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EXAMPLE_CONFIG } from '../deploy/config-file';
import { MAX_PLAN_DAYS, PlanWindowError, planJson, planText, planWindow } from '../functions/schedule/plan';
import { loadConfig } from '../shared/config/load';
import { ConfigError } from '../shared/errors';
import { terminalChart, wantsColour } from './plan/chart';
import { planSvg } from './plan/svg';

const USAGE = 'usage: npm run plan -- --service NAME --from YYYY-MM-DD --days N [--config FILE] [--json] [--svg FILE]';

/** A problem with what the user asked for: printed as one line, exit code 2. */
class PlanUsageError extends Error {
  override readonly name = 'PlanUsageError';
}

function options(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        service: { type: 'string' },
        from: { type: 'string' },
        days: { type: 'string' },
        config: { type: 'string' },
        json: { type: 'boolean', default: false },
        svg: { type: 'string' },
      },
    }).values;
  } catch (error) {
    // node:util parseArgs throws a TypeError with an ERR_PARSE_ARGS_* code for an unknown or incomplete option.
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      throw new PlanUsageError(`${error.message.split('\n')[0]} (${USAGE})`, { cause: error });
    }
    throw error;
  }
}

function run(argv: string[]): void {
  const values = options(argv);
  const missing = (['service', 'from', 'days'] as const).filter((name) => values[name] === undefined);
  if (missing.length > 0) throw new PlanUsageError(`missing ${missing.map((m) => `--${m}`).join(', ')} (${USAGE})`);
  const days = Number(values.days);
  if (!/^\d+$/.test(values.days ?? '') || days < 1 || days > MAX_PLAN_DAYS) {
    throw new PlanUsageError(`--days ${values.days}: expected a whole number of days from 1 to ${MAX_PLAN_DAYS}`);
  }
  const configFile =
    values.config ?? process.env.FLEETPILOT_CONFIG ?? process.env.FLEETPILOT_CONFIG_FILE ?? EXAMPLE_CONFIG;
  const config = loadConfig(resolve(configFile));
  const service = config.services.find((s) => s.name === values.service);
  if (!service) {
    throw new PlanUsageError(
      `--service ${values.service}: no such service in ${configFile} (services: ${config.services.map((s) => s.name).join(', ')})`,
    );
  }
  if (!service.schedule) {
    const scheduled = config.services.filter((s) => s.schedule).map((s) => s.name);
    throw new PlanUsageError(
      `--service ${service.name}: no schedule: section for this service in ${configFile} (${scheduled.length > 0 ? `services with one: ${scheduled.join(', ')}` : 'no service has one'})`,
    );
  }
  const plan = planWindow(service.name, service.schedule, values.from ?? '', days);
  if (values.svg) {
    writeFileSync(values.svg, planSvg(plan));
    // With --json, stdout is the JSON document alone.
    (values.json ? console.error : console.log)(`wrote the chart to ${values.svg}`);
  }
  if (values.json) {
    console.log(JSON.stringify(planJson(plan)));
    return;
  }
  const colour = wantsColour(process.stdout.isTTY, process.env);
  const width = process.stdout.isTTY ? Math.max(24, Math.min(120, (process.stdout.columns ?? 100) - 6)) : 96;
  for (const line of planText(plan)) console.log(line);
  console.log('');
  for (const line of terminalChart(plan, { width, colour })) console.log(line);
}

function main(): number {
  try {
    run(process.argv.slice(2));
    return 0;
  } catch (error) {
    if (error instanceof PlanUsageError || error instanceof PlanWindowError) {
      console.error(`plan: ${error.message}`);
      return 2;
    }
    if (error instanceof ConfigError) {
      // The config's own report names the file, the line and the path.
      console.error(`plan: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

process.exitCode = main();
