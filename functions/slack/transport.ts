/**
 * Posting a message to Slack with Node's global fetch: an incoming webhook (the secret is the URL) or a bot token
 * (chat.postMessage to a channel). No HTTP dependency.
 *
 * What Slack answers (Slack reference: "Sending messages using incoming webhooks", handling errors; "chat.postMessage";
 * "Rate limits"):
 * - a webhook answers 200 `ok`; errors are 4xx with a word in the body (400 invalid_payload / no_text, 403
 *   invalid_token / action_prohibited, 404 channel_not_found / no_service, 410 channel_is_archived) and 5xx
 *   (500 rollup_error);
 * - the Web API answers 200 with `{ ok: true }`, or `{ ok: false, error }` (invalid_auth, not_authed, token_revoked,
 *   channel_not_found, not_in_channel, is_archived, msg_too_long, invalid_blocks, ... for good; ratelimited,
 *   internal_error, fatal_error, service_unavailable, request_timeout worth retrying);
 * - rate limiting is HTTP 429 with a Retry-After header in seconds.
 *
 * Policy: 429 → wait Retry-After (when it fits in the invocation's time, else hand the message back to the queue);
 * 5xx, network errors and the retryable Web API errors → back-off (0.5 s, 1 s, 2 s) then hand back; any other 4xx
 * or Web API error → fail for good. The secret is never put in an error message: only the destination's label.
 */
import type { SlackMessage } from './render';

export type Destination =
  | { kind: 'webhook'; parameter: string; label: string }
  | { kind: 'bot'; parameter: string; channel: string; label: string };

/** Slack did not take the message. `permanent`: retrying cannot help (bad token, unknown channel, bad payload). */
export class SlackDeliveryError extends Error {
  override readonly name = 'SlackDeliveryError';
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly details: { status?: number; slackError?: string; attempts: number },
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface TransportOptions {
  fetch: typeof globalThis.fetch;
  sleep(ms: number): Promise<void>;
  /** Milliseconds this invocation may still spend waiting. */
  remainingMs(): number;
  /** Default https://slack.com/api (tests point it at a local server). */
  apiBase?: string;
  maxAttempts?: number;
}

const RETRYABLE_API_ERRORS = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);
const BACKOFF_MS = [500, 1000, 2000, 4000];
/** Never wait longer than this for one Retry-After; beyond it the message goes back to the queue. */
const MAX_RETRY_AFTER_MS = 30_000;
/** One request may take this long. */
const REQUEST_TIMEOUT_MS = 10_000;

export async function postToSlack(
  destination: Destination,
  secret: string,
  message: SlackMessage,
  options: TransportOptions,
): Promise<{ attempts: number }> {
  const maxAttempts = options.maxAttempts ?? 4;
  const request = buildRequest(destination, secret, message, options.apiBase ?? 'https://slack.com/api');
  const where = destination.label;
  for (let attempt = 1; ; attempt++) {
    let wait: number;
    let reason: string;
    let status: number | undefined;
    let slackError: string | undefined;
    try {
      const response = await options.fetch(request.url, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      status = response.status;
      const body = redact(await response.text(), secret).slice(0, 200);
      if (response.status === 429) {
        const seconds = Number(response.headers.get('retry-after'));
        wait = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 1000;
        reason = `rate limited (Retry-After ${Math.round(wait / 1000)} s)`;
        if (wait > Math.min(MAX_RETRY_AFTER_MS, options.remainingMs())) {
          throw new SlackDeliveryError(`Slack ${where}: ${reason}, longer than this invocation may wait`, false, {
            status,
            attempts: attempt,
          });
        }
      } else if (response.status >= 500) {
        wait = BACKOFF_MS[attempt - 1] ?? 4000;
        reason = `HTTP ${response.status} ${body}`;
        slackError = body || undefined;
      } else if (response.status >= 400) {
        throw new SlackDeliveryError(
          `Slack ${where} refused the message for good: HTTP ${response.status} ${body}`,
          true,
          {
            status,
            slackError: body,
            attempts: attempt,
          },
        );
      } else if (destination.kind === 'bot') {
        const answer = parseApiAnswer(body);
        if (answer.ok) return { attempts: attempt };
        slackError = answer.error;
        if (!RETRYABLE_API_ERRORS.has(answer.error)) {
          throw new SlackDeliveryError(`Slack ${where} refused the message for good: ${answer.error}`, true, {
            status,
            slackError,
            attempts: attempt,
          });
        }
        const seconds = Number(response.headers.get('retry-after'));
        wait = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : (BACKOFF_MS[attempt - 1] ?? 4000);
        reason = answer.error;
      } else {
        return { attempts: attempt };
      }
    } catch (error) {
      if (error instanceof SlackDeliveryError) throw error;
      // A network error or a timeout: the request may not have reached Slack; worth another try.
      wait = BACKOFF_MS[attempt - 1] ?? 4000;
      reason = `request failed (${redact(describe(error), secret)})`;
    }
    if (attempt >= maxAttempts || wait > options.remainingMs()) {
      throw new SlackDeliveryError(`Slack ${where}: ${reason}; gave up after ${attempt} attempt(s)`, false, {
        ...(status !== undefined ? { status } : {}),
        ...(slackError !== undefined ? { slackError } : {}),
        attempts: attempt,
      });
    }
    await options.sleep(wait);
  }
}

function buildRequest(
  destination: Destination,
  secret: string,
  message: SlackMessage,
  apiBase: string,
): { url: string; headers: Record<string, string>; body: string } {
  if (destination.kind === 'webhook') {
    if (!/^https?:\/\/[^\s]+$/.test(secret)) {
      throw new SlackDeliveryError(
        `Slack ${destination.label}: parameter ${destination.parameter} does not hold a webhook URL`,
        true,
        { attempts: 0 },
      );
    }
    return {
      url: secret,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: message.text, blocks: message.blocks }),
    };
  }
  return {
    url: `${apiBase}/chat.postMessage`,
    headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${secret}` },
    body: JSON.stringify({
      channel: destination.channel,
      text: message.text,
      blocks: message.blocks,
      unfurl_links: false,
      unfurl_media: false,
    }),
  };
}

function parseApiAnswer(body: string): { ok: true } | { ok: false; error: string } {
  try {
    const answer = JSON.parse(body) as { ok?: unknown; error?: unknown };
    if (answer.ok === true) return { ok: true };
    return { ok: false, error: typeof answer.error === 'string' ? answer.error : 'unknown_error' };
  } catch {
    return { ok: false, error: 'internal_error' };
  }
}

/** An error's message and its cause's code, without the request (whose URL may be the secret). */
function describe(error: unknown): string {
  // Duck-typed: fetch's errors may come from another realm than this module's Error (e.g. under a test runner).
  if (typeof error !== 'object' || error === null) return String(error);
  const { name, message, cause } = error as { name?: unknown; message?: unknown; cause?: { code?: unknown } };
  const code = cause && typeof cause.code === 'string' ? ` ${cause.code}` : '';
  return `${String(name)}: ${String(message)}${code}`;
}

/** The secret, and the path of a webhook URL (which is the secret part), replaced. */
export function redact(text: string, secret: string): string {
  let out = text.split(secret).join('[redacted]');
  const path = /^https?:\/\/[^/]+(\/.+)$/.exec(secret)?.[1];
  if (path) out = out.split(path).join('[redacted]');
  return out;
}
