/** Invariant violations (sim/invariants.ts) made readable when hundreds differ only in the instance id. */

const INSTANCE_ID = /i-[0-9a-f]{8,17}/g;

/** Each kind of violation once, with how many instances it hit and up to three of their ids. */
export function groupViolations(violations: readonly string[]): string[] {
  const groups = new Map<string, string[]>();
  for (const violation of violations) {
    const key = violation.replace(INSTANCE_ID, 'i-…');
    groups.set(key, [...(groups.get(key) ?? []), ...(violation.match(INSTANCE_ID)?.slice(0, 1) ?? [])]);
  }
  return [...groups].map(([key, ids]) => {
    const count = Math.max(1, ids.length);
    if (count === 1) return violationsFor(key, ids);
    return `${count} × ${key} (e.g. ${ids.slice(0, 3).join(', ')})`;
  });
}

const violationsFor = (key: string, ids: readonly string[]) => (ids[0] ? key.replace('i-…', ids[0]) : key);
