/**
 * The README's main command: a scripted week on the simulated account, with fleetpilot's real handlers wired as
 * serverless.yml wires them, using fleetpilot.example.yml. No AWS account, no network.
 *
 *   npm run demo [-- --seed 7] [-- --slack-webhook https://hooks.slack.com/services/...]
 *
 * The story is told in chapters (scripts/demo/*.ts, in the order of `chapters` below), each a part of the week on one
 * simulation; then every notification as an e-mail subscriber reads it, and the summary.
 *
 * Exits 1 when an invariant breaks (see sim/invariants.ts) or a chapter did not happen as told.
 */
import { parseArgs } from 'node:util';
import { slackParameters } from '../functions/slack/deploy';
import { loadConfig } from '../shared/config/load';
import { checkInvariants } from '../sim/invariants';
import { type SimulationOptions, startSimulation } from '../sim/simulation';
import { Timeline } from '../sim/timeline';
import { amiRefresh } from './demo/ami-refresh';
import { certificates } from './demo/certificates';
import type { Chapter } from './demo/chapter';
import { healthIncident } from './demo/health-incident';
import { lifecycleDay } from './demo/lifecycle-day';
import { scheduledDay } from './demo/scheduled-day';
import { siteDns } from './demo/site';
import { startSlackCapture } from './demo/slack-capture';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** The week, in order. */
const chapters: readonly Chapter[] = [lifecycleDay, amiRefresh, siteDns, certificates, healthIncident, scheduledDay];

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { seed: { type: 'string', default: '2026' }, 'slack-webhook': { type: 'string' } },
  });
  const wallStart = performance.now();
  const configFile = 'fleetpilot.example.yml';
  const config = loadConfig(configFile);
  const service = config.services[0];
  if (!service) throw new Error(`${configFile} declares no service`);
  const colour = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  const write = (line: string) => process.stdout.write(`${line}\n`);

  let timeline: Timeline | undefined;
  const options: SimulationOptions = {
    config,
    configFile,
    seed: values.seed ?? '2026',
    initialCapacity: 2,
    onInvocation: (record) => timeline?.onInvocation(record),
  };
  // Slack: the topic's SQS subscription and slackDeliver run as deployed, posting to an in-process webhook stand-in
  // (scripts/demo/slack-capture.ts) that every configured Slack parameter points at.
  const slack = await startSlackCapture();
  options.subscriptions = true;
  options.parameters = slackParameters(config).map((name) => ({ name, value: slack.url }));
  for (const chapter of chapters) chapter.prepare?.(config, service, options);
  const sim = startSimulation(options);
  let stopped = false;
  try {
    const shown = new Timeline(sim.account, { colour, write });
    timeline = shown;
    write(
      `fleetpilot demo: service "${service.name}", Auto Scaling group ${service.autoScalingGroup}, example config ${configFile}`,
    );
    write(
      `Simulated account ${sim.account.accountId} in ${sim.account.region}; virtual clock from ${new Date(sim.clock.now()).toISOString()}.`,
    );

    const story: string[] = [];
    for (const chapter of chapters) story.push(...(await chapter.run({ sim, timeline: shown, service, write })));
    const violations = [...checkInvariants(sim), ...story];

    shown.heading('Notifications, as an e-mail subscriber reads them, and as Slack shows them');
    shown.printEmails((message) => slack.renderingAfter(message));

    shown.heading('Summary');
    shown.printSummary(violations);
    write(`  Wall time             ${Math.round(performance.now() - wallStart)} ms`);
    const webhook = values['slack-webhook'];
    if (webhook) {
      // After the simulation: a real round trip must not race virtual time. The URL is a secret: not printed.
      sim.stop();
      stopped = true;
      const problems = await slack.forwardTo(webhook);
      write(
        `  Slack (--slack-webhook) ${slack.posted.length - problems.length} of ${slack.posted.length} messages delivered`,
      );
      for (const p of problems) write(`  ! ${p}`);
      if (problems.length > 0) return 1;
    }
    return violations.length === 0 ? 0 : 1;
  } finally {
    if (!stopped) sim.stop();
    await slack.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
