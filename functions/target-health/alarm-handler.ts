/**
 * Deployed entry (serverless.yml: functions/target-health/alarm-handler.handler). It imports its capability's handler
 * factory directly, never functions/registry.ts, and names the SDK clients it uses, so its bundle holds only those.
 */
import { coldStartDeps } from '../../shared/runtime/deps';
import { targetHealthClientClasses } from './clients';
import { targetHealthConfig } from './config';
import { makeTargetHealthHandler } from './handlers';

/** EventBridge: CloudWatch Alarm State Change of fleetpilot's target health alarms. */
export const handler = makeTargetHealthHandler(coldStartDeps(targetHealthClientClasses, targetHealthConfig));
