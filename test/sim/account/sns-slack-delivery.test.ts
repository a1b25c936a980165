/**
 * The alerts topic → SlackQueue → slackDeliver, wired from serverless.yml and the template's subscription on the
 * simulated account, posting to a real local HTTP server: the deployed path, end to end.
 */
import { join } from 'node:path';
import { loadConfig } from '../../../shared/config/load';
import { type Simulation, startSimulation } from '../../../sim/simulation';
import { type SlackStandIn, startSlackStandIn } from '../../unit/slack/harness';

const EXAMPLE = join(__dirname, '..', '..', '..', 'fleetpilot.example.yml');
const HOUR = 3_600_000;

let sim: Simulation | undefined;
let slack: SlackStandIn | undefined;
afterEach(async () => {
  sim?.stop();
  sim = undefined;
  await slack?.close();
});

describe('Slack delivery on the simulated account', () => {
  it("delivers the launches' notifications through the topic's SQS subscription to the webhook in the parameter", async () => {
    // Arrange
    slack = await startSlackStandIn();
    const config = loadConfig(EXAMPLE);
    sim = startSimulation({
      config,
      seed: 5,
      initialCapacity: 3,
      subscriptions: true,
      parameters: [{ name: '/fleetpilot/slack/web', value: `${slack.url}/services/T0/B0/sim-secret` }],
    });

    // Act
    expect(await sim.settle(HOUR)).toBe(true);

    // Assert
    const published = sim.account.sns.published.length;
    expect(published).toBeGreaterThan(0);
    expect(sim.account.sns.failedDeliveries).toEqual([]);
    const invocations = sim.lambda.deadLetters.filter((d) => d.fn === 'slackDeliver');
    expect(invocations).toEqual([]);
    expect(slack.requests.length).toBeGreaterThan(0);
    expect(slack.requests.length).toBeLessThanOrEqual(published);
    expect(slack.requests.every((r) => r.path === '/services/T0/B0/sim-secret')).toBe(true);
    const header = JSON.stringify(slack.requests[0]?.json.blocks[0]);
    expect(header).toMatch(/web: /);
  });
});
