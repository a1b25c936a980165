/**
 * What a capability declares for the stack: the EventBridge patterns of its functions, its IAM statements and its
 * own CloudFormation resources. Each capability's `functions/<capability>/deploy.ts` exports one CapabilityDeploy;
 * deploy/stack-values.ts combines them with the spine's own values. Nothing here knows any capability.
 */
import type { FleetpilotConfig } from '../shared/config/schema';

/** A CloudFormation value: a literal or an intrinsic function object. */
export type CfnValue =
  | string
  | { Ref: string }
  | { 'Fn::GetAtt': [string, string] }
  | { 'Fn::Join': [string, unknown[]] };

export interface IamStatement {
  /** Unique within the functions' policy (the combiner checks it). */
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: CfnValue | CfnValue[];
  Condition?: Record<string, Record<string, string | string[] | CfnValue>>;
}

/** An EventBridge event pattern (EventBridge user guide, "Event patterns"). */
export type EventPattern = { [key: string]: EventPattern | unknown[] };

/** A CloudFormation resource as serverless.yml's `resources` takes it. */
export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
}

/** The deployment a capability's values are derived for: serverless.yml's `service` and the stage (`--stage`). */
export interface StackNaming {
  service: string;
  stage: string;
}

export interface CapabilityDeploy {
  // `stack` is always passed by deploy/stack-values.ts; a capability whose resource names must differ per stage (two
  // stages of one config in one account) declares it required (see functions/target-health/deploy.ts).
  /** The capability's folder under functions/, e.g. the name used in logs and reports. */
  name: string;
  /**
   * One EventBridge rule per function that EventBridge invokes, keyed by the function's key in serverless.yml.
   * serverless.yml reads `${file(./deploy/config.cjs):eventRules.<function>.pattern}` and `.name`.
   */
  eventPatterns(config: FleetpilotConfig, stack?: StackNaming): Record<string, EventPattern>;
  /** Least-privilege statements for the calls the capability's code makes, scoped by the config. */
  iamStatements(config: FleetpilotConfig, stack?: StackNaming): IamStatement[];
  /** Extra resources, keyed by logical id (none when omitted). */
  resources?(config: FleetpilotConfig, stack?: StackNaming): Record<string, CfnResource>;
}

/** Builders for the ARNs capabilities scope their statements to. */
export const cfn = {
  partition: { Ref: 'AWS::Partition' },
  region: { Ref: 'AWS::Region' },
  account: { Ref: 'AWS::AccountId' },
  join: (...parts: unknown[]): CfnValue => ({ 'Fn::Join': ['', parts] }),
} as const;

export function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
