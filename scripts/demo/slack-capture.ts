/**
 * Slack for `npm run demo`: an in-process incoming-webhook stand-in that the demo's Slack parameter points at, so
 * slackDeliver runs on the simulated account exactly as deployed (topic → SlackQueue → the function → a fetch POST)
 * and every payload it posts is captured; the demo prints each as text next to the e-mails. The stand-in answers
 * inside `fetch` (requests to its own URL only; any other URL goes to the real fetch): a real socket would let
 * network timing into the virtual-time run, and the demo's timeline must be the same on every run of a seed.
 * (test/sim/account/sns-slack-delivery.test.ts runs the same path against a real local HTTP server.)
 *
 * With `--slack-webhook <url>`, the captured payloads are then posted, unchanged and in order, to that URL with the
 * function's own transport (functions/slack/transport.ts: Retry-After, back-off, errors), once the simulation has
 * stopped: the simulation runs in virtual time, which a real network round trip must not race. The URL is a secret:
 * it is never printed.
 */
import { renderAsText, type SlackMessage } from '../../functions/slack/render';
import { postToSlack } from '../../functions/slack/transport';
import type { PublishedMessage } from '../../sim/sns';

export interface SlackCapture {
  /** The webhook URL the simulated account's parameter holds. */
  url: string;
  posted: SlackMessage[];
  /** The text rendering of the Slack message that covers `message`, after the last e-mail it covers. */
  renderingAfter(message: PublishedMessage): string[] | undefined;
  /** Posts every captured message to a real webhook; returns what went wrong (empty when all were delivered). */
  forwardTo(webhook: string): Promise<string[]>;
  close(): Promise<void>;
}

export async function startSlackCapture(): Promise<SlackCapture> {
  const posted: SlackMessage[] = [];
  const url = 'https://slack-capture.invalid/services/DEMO/CAPTURE/not-a-secret';
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const target = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (target !== url) return realFetch(input, init);
    try {
      posted.push(JSON.parse(String(init?.body)) as SlackMessage);
      return new Response('ok', { status: 200, headers: { 'content-type': 'text/plain' } });
    } catch {
      return new Response('invalid_payload', { status: 400, headers: { 'content-type': 'text/plain' } });
    }
  };

  /** SNS MessageIds a Slack message covers: its blocks' `sns-<id>` block ids (functions/slack/render.ts). */
  const covered = (m: SlackMessage) =>
    m.blocks.flatMap((b) => (b.block_id?.startsWith('sns-') ? [b.block_id.slice(4)] : []));

  return {
    url,
    posted,
    renderingAfter(message) {
      const index = posted.findIndex((m) => covered(m).at(-1) === message.messageId);
      const slack = posted[index];
      if (!slack) {
        return posted.some((m) => covered(m).includes(message.messageId))
          ? ['  (in the Slack message shown after the last e-mail of its burst)']
          : undefined;
      }
      const count = covered(slack).length;
      return renderAsText(slack, count > 1 ? `(${count} notifications in one message)` : '').map((l) => `  ${l}`);
    },
    async forwardTo(webhook) {
      const problems: string[] = [];
      for (const [i, message] of posted.entries()) {
        try {
          await postToSlack(
            { kind: 'webhook', parameter: '--slack-webhook', label: '--slack-webhook' },
            webhook,
            message,
            {
              fetch: realFetch,
              sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
              remainingMs: () => 60_000,
            },
          );
        } catch (error) {
          problems.push(
            `Slack message ${i + 1} of ${posted.length}: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      }
      return problems;
    },
    async close() {
      globalThis.fetch = realFetch;
    },
  };
}
