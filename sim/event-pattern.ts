/**
 * EventBridge event pattern matching, for the subset of the pattern language fleetpilot's rules use.
 *
 * Rules (Amazon EventBridge user guide, "Event patterns" https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
 * and "Content filtering in Amazon EventBridge event patterns"
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html):
 * - a pattern is a JSON object with the same nesting as the event; every field it names must match (AND);
 * - a leaf is an array of alternatives (OR): literal values (string, number, boolean, null) compared exactly, or
 *   filter objects; if the event's value is an array, the leaf matches when any element matches;
 * - `{"prefix": "s"}` matches strings starting with s;
 * - `{"anything-but": v}` / `{"anything-but": [v, ...]}` matches a present value that is none of them;
 * - `{"exists": true}` matches a present leaf (not an object), `{"exists": false}` a missing field.
 * Every other operator (numeric, cidr, suffix, wildcard, equals-ignore-case, $or, anything-but with prefix, ...)
 * throws: supporting it silently wrong would make the local event bus lie about the real wiring.
 */

export class UnsupportedPatternError extends Error {
  override readonly name = 'UnsupportedPatternError';
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  if (!isObject(pattern)) throw new UnsupportedPatternError('an event pattern must be a JSON object');
  return matchObject(pattern, event, '');
}

function matchObject(pattern: Record<string, unknown>, value: unknown, path: string): boolean {
  // Check the whole pattern for unsupported operators even when an earlier field already fails.
  let matched = true;
  for (const [key, sub] of Object.entries(pattern)) {
    const where = path === '' ? key : `${path}.${key}`;
    if (key.startsWith('$')) throw new UnsupportedPatternError(`unsupported operator "${key}" at ${where}`);
    const field =
      isObject(value) && Object.hasOwn(value, key) ? { present: true, value: value[key] } : { present: false };
    if (Array.isArray(sub)) {
      if (!matchLeaf(sub, field, where)) matched = false;
    } else if (isObject(sub)) {
      if (!matchObject(sub, field.present ? field.value : undefined, where)) matched = false;
    } else {
      throw new UnsupportedPatternError(
        `pattern field ${where} must be an array or an object, got ${JSON.stringify(sub)}`,
      );
    }
  }
  return matched;
}

function matchLeaf(alternatives: unknown[], field: { present: boolean; value?: unknown }, where: string): boolean {
  if (alternatives.length === 0) throw new UnsupportedPatternError(`empty array at ${where} matches nothing`);
  const values: unknown[] = !field.present ? [] : Array.isArray(field.value) ? field.value : [field.value];
  let matched = false;
  for (const alternative of alternatives) {
    if (isObject(alternative)) {
      if (matchFilter(alternative, field.present, values, where)) matched = true;
    } else if (isLiteral(alternative)) {
      if (values.some((v) => isLiteral(v) && v === alternative)) matched = true;
    } else {
      throw new UnsupportedPatternError(`unsupported value ${JSON.stringify(alternative)} at ${where}`);
    }
  }
  return matched;
}

function matchFilter(filter: Record<string, unknown>, present: boolean, values: unknown[], where: string): boolean {
  const keys = Object.keys(filter);
  if (keys.length !== 1) throw new UnsupportedPatternError(`a filter at ${where} must have exactly one operator`);
  const [operator] = keys as [string];
  const operand = filter[operator];
  switch (operator) {
    case 'prefix':
      if (typeof operand !== 'string') {
        throw new UnsupportedPatternError(`only string prefixes are supported (at ${where})`);
      }
      return values.some((v) => typeof v === 'string' && v.startsWith(operand));
    case 'anything-but': {
      const excluded = Array.isArray(operand) ? operand : [operand];
      if (!excluded.every(isLiteral)) {
        throw new UnsupportedPatternError(`only literal values are supported in anything-but (at ${where})`);
      }
      return values.some((v) => isLiteral(v) && !excluded.includes(v));
    }
    case 'exists':
      if (typeof operand !== 'boolean') throw new UnsupportedPatternError(`exists takes true or false (at ${where})`);
      // "exists" applies to leaf values: an object at that path does not count as existing.
      return operand ? present && values.length > 0 && values.some((v) => !isObject(v)) : !present;
    default:
      throw new UnsupportedPatternError(`unsupported operator "${operator}" at ${where}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isLiteral(value: unknown): value is Exclude<Json, Json[] | { [key: string]: Json }> {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}
