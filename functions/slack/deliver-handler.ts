/**
 * Deployed entry (serverless.yml: functions/slack/deliver-handler.handler). It imports its capability's handler
 * factory directly, never functions/registry.ts, and names the SDK clients it uses.
 */
import { coldStartDeps } from '../../shared/runtime/deps';
import { slackClientClasses } from './clients';
import { slackConfig } from './config';
import { makeSlackHandler } from './handlers';

/** SQS: the Slack queue, subscribed to the alerts topic. */
export const handler = makeSlackHandler(coldStartDeps(slackClientClasses, slackConfig));
