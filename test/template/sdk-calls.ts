/**
 * The AWS calls the code makes: every `new XxxCommand(` whose class is imported from an AWS SDK v3 client package,
 * mapped to the IAM action `<service prefix>:Xxx`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { AWS_SERVICES } from '../../shared/aws/services';
import { REPO } from './template';

/** SDK client package -> IAM service prefix, from the one table of services (shared/aws/services.ts). */
export const SERVICE_PREFIX: Readonly<Record<string, string>> = Object.fromEntries(
  Object.values(AWS_SERVICES).map((service) => [service.sdkPackage, service.iamPrefix]),
);

/** Operations authorised by another operation's IAM action (SQS developer guide, "Amazon SQS API permissions"). */
const IAM_ACTION_OF: Record<string, string> = { 'sqs:SendMessageBatch': 'sqs:SendMessage' };

/**
 * Actions AWS checks on the caller when the code calls another one, which the code never calls itself ("dependent
 * actions": Auto Scaling API reference, "Granting IAM permissions for Amazon EC2 Auto Scaling actions"). Auto Scaling
 * checks ec2:RunInstances, ec2:CreateTags (tag specifications) and iam:PassRole (instance profile) when a group is
 * created or updated with a launch template (Auto Scaling user guide, "Amazon EC2 Auto Scaling API permissions");
 * StartInstanceRefresh with a desired launch template updates the group to it (see functions/ami-refresh/deploy.ts).
 */
export const DEPENDENT_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  'autoscaling:StartInstanceRefresh': ['ec2:RunInstances', 'ec2:CreateTags', 'iam:PassRole'],
};

export function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The IAM actions behind every SDK command the code constructs, with where each is constructed. */
export function actionsCalledByCode(files: readonly string[]): Map<string, string[]> {
  const actions = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    // local name -> the SDK package and operation of the command class it imports (aliases included)
    const commands = new Map<string, { pkg: string; operation: string }>();
    for (const m of text.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*['"](@aws-sdk\/client-[a-z0-9-]+)['"]/g)) {
      for (const spec of (m[1] ?? '').split(',')) {
        const [imported, local] = spec
          .replace(/^\s*type\s+/, '')
          .split(/\s+as\s+/)
          .map((s) => s.trim());
        if (imported?.endsWith('Command')) {
          commands.set(local || imported, { pkg: m[2] ?? '', operation: imported.replace(/Command$/, '') });
        }
      }
    }
    for (const m of text.matchAll(/new\s+([A-Za-z0-9_$]+)\s*\(/g)) {
      const command = commands.get(m[1] ?? '');
      if (!command) continue;
      const prefix = SERVICE_PREFIX[command.pkg];
      if (!prefix)
        throw new Error(
          `${file}: no IAM service prefix known for ${command.pkg}; add it to AWS_SERVICES in shared/aws/services.ts`,
        );
      const action = IAM_ACTION_OF[`${prefix}:${command.operation}`] ?? `${prefix}:${command.operation}`;
      actions.set(action, [...(actions.get(action) ?? []), relative(REPO, file)]);
    }
  }
  return actions;
}
