/**
 * The Slack capability's part of the config (`services[].slack`, optional): where a service's notifications go in
 * Slack, who is mentioned, and from which severity on. Per service, because a service usually belongs to one team
 * with its own channel and on-call group; a notification that names no service (or a message fleetpilot did not
 * write, such as a CloudWatch alarm on the topic) goes to every configured destination once.
 *
 * The secret (the incoming webhook URL, or the bot token) is never in the config: only the name of the SSM Parameter
 * Store SecureString parameter that holds it, read at run time (functions/slack/secret.ts).
 */
import * as z from 'zod';
import { configSection } from '../../shared/config/section';

/**
 * Parameter names: letters, digits and . - _ / (a hierarchy starts with "/"), at most 1011 characters for the full
 * name (Systems Manager user guide, "Parameter Store: requirements and constraints for parameter names"). The
 * `/aws/reference/secretsmanager/` prefix is refused: a Secrets Manager secret read through Parameter Store also needs
 * secretsmanager:GetSecretValue, which this function's role does not get (see README "Slack").
 */
export const parameterName = z
  .string()
  .regex(/^\/?[A-Za-z0-9_.\-/]{1,1010}$/, 'expected an SSM parameter name such as /fleetpilot/slack/web')
  .refine((name) => !/^\/?aws\//i.test(name), {
    message: 'parameters under /aws/ are reserved by AWS (Secrets Manager references are not supported)',
  })
  .refine((name) => !/^\/?ssm/i.test(name), { message: 'parameter names may not begin with "ssm" (reserved)' });

/** Slack conversation ids: C… (public), G… (private), D… (direct) and 8–11 upper-case letters and digits. */
const channelId = z
  .string()
  .regex(/^[CGD][A-Z0-9]{8,11}$/, 'expected a Slack channel id such as C0123456789 (not a #name: names can change)');

/** `here`, `channel`, `subteam:S…` (a user group id) or `none`. */
const mention = z
  .string()
  .regex(/^(here|channel|none|subteam:S[A-Z0-9]{8,11})$/, 'expected here, channel, none or subteam:<user group id>');

const bySeverity = <T extends z.ZodType>(value: T) =>
  z.object({ critical: value.optional(), warning: value.optional(), info: value.optional() }).strict();

export const slackSchema = z
  .object({
    transport: z.union(
      [
        z.object({ webhook: z.object({ parameter: parameterName }).strict() }).strict(),
        z
          .object({
            bot: z
              .object({
                parameter: parameterName.describe('SecureString holding the bot token (xoxb-…)'),
                channel: channelId.describe('the channel for every severity not listed in channels'),
                channels: bySeverity(channelId).default({}),
              })
              .strict(),
          })
          .strict(),
      ],
      {
        error:
          'expected transport: { webhook: { parameter } } or transport: { bot: { parameter, channel, channels? } }',
      },
    ),
    mentions: bySeverity(mention)
      .default({ critical: 'here' })
      .describe('who is mentioned per severity (default: @here on critical, nobody otherwise)'),
    minSeverity: z
      .enum(['info', 'warning', 'critical'])
      .default('info')
      .describe('less severe notifications are not sent'),
  })
  .strict();

export type SlackConfig = z.output<typeof slackSchema>;

export const slackConfig = configSection({
  service: { slack: slackSchema.optional().describe("deliver this service's notifications to Slack") },
});
