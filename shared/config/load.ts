import { readFileSync } from 'node:fs';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { ConfigError, formatIssuePath } from '../errors';
import { configSchema, type FleetpilotConfig, type ServiceConfig } from './schema';

/** Parses and validates YAML text. Errors name the file, the line, the path in the document and what was expected. */
export function parseConfig(text: string, file: string): FleetpilotConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const line = e.linePos?.[0];
        return `${line ? `line ${line.line}: ` : ''}YAML syntax: ${e.message.split('\n')[0]}`;
      }),
    );
  }
  const result = configSchema.safeParse(doc.toJS());
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    // An unknown key is reported on its parent; point the line at the key itself.
    const where = issue.code === 'unrecognized_keys' && issue.keys[0] ? [...issue.path, issue.keys[0]] : issue.path;
    const line = lineOf(doc, lineCounter, where);
    return `${line ? `line ${line}: ` : ''}${formatIssuePath(issue.path)}: ${issue.message}`;
  });
  throw new ConfigError(file, lines);
}

export function loadConfig(file: string): FleetpilotConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [`cannot read the file: ${(error as Error).message}`], { cause: error });
  }
  return parseConfig(text, file);
}

/** The service that manages an Auto Scaling group, or undefined when fleetpilot does not manage the group. */
export function serviceForGroup(config: FleetpilotConfig, groupName: string): ServiceConfig | undefined {
  return config.services.find((s) => s.autoScalingGroup === groupName);
}

/** Effective dry-run for a service: the service's own setting wins over the top-level one. */
export function isDryRun(config: FleetpilotConfig, service: ServiceConfig): boolean {
  return service.dryRun ?? config.dryRun;
}

/** The line of the deepest node along `path` that exists in the document (1-based), if any. */
function lineOf(
  doc: ReturnType<typeof parseDocument>,
  counter: LineCounter,
  path: readonly PropertyKey[],
): number | undefined {
  let node: unknown = doc.contents;
  let offset: number | undefined = (node as { range?: [number] } | null)?.range?.[0];
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
      if (!pair) break;
      offset = (pair.key as { range?: [number] } | null)?.range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key];
      offset = (node as { range?: [number] } | null)?.range?.[0] ?? offset;
    } else {
      break;
    }
  }
  return offset === undefined ? undefined : counter.linePos(offset).line;
}
