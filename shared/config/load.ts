import { readFileSync } from 'node:fs';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { ConfigError, formatIssuePath } from '../errors';
import { configSchema, type FleetpilotConfig } from './schema';

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
  if (doc.contents === null) {
    throw new ConfigError(file, [
      'line 1: (root): the file is empty; expected a mapping with region, notifications and services',
    ]);
  }
  let data: unknown;
  try {
    // yaml counts alias expansions and throws past maxAliasCount (a "billion laughs" document): report it as ours.
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    throw new ConfigError(file, [`YAML aliases: ${(error as Error).message} (at most ${MAX_ALIAS_COUNT})`], {
      cause: error,
    });
  }
  const result = configSchema.safeParse(data);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    // An unknown key is reported on its parent; point the line at the key itself.
    const where = issue.code === 'unrecognized_keys' && issue.keys[0] ? [...issue.path, issue.keys[0]] : issue.path;
    const at = lineOf(doc, lineCounter, where);
    const path = formatIssuePath(issue.path);
    if (at.missing !== undefined) {
      // No node to point at: name the key and the mapping it belongs in.
      return `line ${at.line}: ${path}: missing key "${String(at.missing)}" in the mapping that starts on this line (${issue.message})`;
    }
    return `line ${at.line}: ${path}: ${issue.message}`;
  });
  throw new ConfigError(file, lines);
}

/** Alias expansions a config may use (yaml's default is 100; a real config needs a handful). */
const MAX_ALIAS_COUNT = 100;

export function loadConfig(file: string): FleetpilotConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [`cannot read the file: ${(error as Error).message}`], { cause: error });
  }
  return parseConfig(text, file);
}

/**
 * The line (1-based) of the deepest node along `path` that exists in the document; `missing` is the key a mapping
 * on that line lacks, when the path ends in a key that is not there.
 */
function lineOf(
  doc: ReturnType<typeof parseDocument>,
  counter: LineCounter,
  path: readonly PropertyKey[],
): { line: number; missing?: PropertyKey } {
  let node: unknown = doc.contents;
  let offset: number = (node as { range?: [number] } | null)?.range?.[0] ?? 0;
  let missing: PropertyKey | undefined;
  for (const [i, key] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
      if (!pair) {
        if (i === path.length - 1) missing = key;
        break;
      }
      offset = (pair.key as { range?: [number] } | null)?.range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key];
      offset = (node as { range?: [number] } | null)?.range?.[0] ?? offset;
    } else {
      break;
    }
  }
  const line = counter.linePos(offset).line;
  return missing === undefined ? { line } : { line, missing };
}
