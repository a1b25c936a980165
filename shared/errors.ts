/**
 * Typed errors. Every class sets `name` and carries `cause`, so logs, notifications and tests can tell them apart.
 */

/** The YAML config does not match the schema. `issues` are already formatted as "file: path: problem". */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly issues: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`invalid fleetpilot config ${file}:\n  - ${issues.join('\n  - ')}`, options);
  }
}

/** What a rejection keeps of a crafted event's problems: this many, each cut to this many characters. */
export const MAX_ISSUES = 10;
export const MAX_ISSUE_CHARS = 300;

/** At most MAX_ISSUES problems of at most MAX_ISSUE_CHARS characters, and how many more there were. */
export function capIssues(issues: readonly string[]): string[] {
  const cut = (text: string) => (text.length > MAX_ISSUE_CHARS ? `${text.slice(0, MAX_ISSUE_CHARS - 1)}…` : text);
  const kept = issues.slice(0, MAX_ISSUES).map(cut);
  if (issues.length > MAX_ISSUES) kept.push(`… and ${issues.length - MAX_ISSUES} more problem(s)`);
  return kept;
}

/**
 * An incoming event does not match the shape AWS documents. Retrying will not help. The issues are capped
 * (capIssues): a crafted event must not be able to fill the logs or make the notification too large to publish.
 */
export class EventValidationError extends Error {
  override readonly name = 'EventValidationError';
  readonly issues: readonly string[];
  constructor(
    readonly kind: string,
    issues: readonly string[],
    options?: ErrorOptions,
  ) {
    const capped = capIssues(issues);
    super(`malformed ${kind} event: ${capped.join('; ')}`, options);
    this.issues = capped;
  }
}

/** A lifecycle action could not be brought to a good end; the hook is abandoned with this reason. */
export class LifecycleFailedError extends Error {
  override readonly name = 'LifecycleFailedError';
  constructor(
    message: string,
    readonly facts: Readonly<Record<string, string>> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A DNS record tag written at launch could not be read back. */
export class RecordTagError extends Error {
  override readonly name = 'RecordTagError';
}

/** Formats zod issues as "path: message" lines, with array indexes in brackets. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

/** The AWS SDK v3 error shape we rely on: service exceptions carry `name` and `$metadata`. */
export interface AwsErrorLike {
  name: string;
  message: string;
  $retryable?: unknown;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

export function isAwsError(error: unknown, ...names: string[]): error is AwsErrorLike {
  return error instanceof Error && (names.length === 0 || names.includes(error.name));
}

const transientNames = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'TooManyRequestsException',
  'PriorRequestNotComplete',
  'ServiceUnavailable',
  'InternalError',
  'InternalFailure',
  'TimeoutError',
]);

/**
 * True when the error is worth another attempt later (throttling, a 5xx, a network fault) after the SDK's own
 * retries gave up. Such errors are rethrown so Lambda's async retries (and finally the dead-letter queue) handle them.
 */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const aws = error as Partial<AwsErrorLike>;
  if (transientNames.has(error.name)) return true;
  if (aws.$fault === 'server') return true;
  const status = aws.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  return ['ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED', 'EPIPE'].includes((error as { code?: string }).code ?? '');
}
