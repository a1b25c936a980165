/** Plain-text tables: a header row, a rule, then rows; numbers right-aligned, text left-aligned. */

export type Cell = string | number;

export interface TableOptions {
  /** Columns to right-align (default: every column whose body cells are all numbers or look numeric). */
  alignRight?: readonly number[];
}

const looksNumeric = (cell: Cell): boolean => typeof cell === 'number' || /^[-+]?[\d,.]+\s*[%x×a-zA-Z]*$/.test(cell);

export function renderTable(
  header: readonly Cell[],
  rows: readonly (readonly Cell[])[],
  options: TableOptions = {},
): string {
  const all = [header, ...rows];
  const columns = Math.max(...all.map((row) => row.length));
  const text = all.map((row) => Array.from({ length: columns }, (_, i) => String(row[i] ?? '')));
  const widths = Array.from({ length: columns }, (_, i) => Math.max(...text.map((row) => (row[i] ?? '').length)));
  const right = new Set(
    options.alignRight ??
      Array.from({ length: columns }, (_, i) => i).filter(
        (i) =>
          i > 0 &&
          rows.length > 0 &&
          rows.every((row) => row[i] === undefined || row[i] === '' || looksNumeric(row[i] as Cell)),
      ),
  );
  const line = (row: string[]) =>
    row
      .map((cell, i) => (right.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const [head, ...body] = text;
  return [line(head ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** 1234567 → "1,234,567". */
export const int = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Fixed decimals, e.g. fixed(12.345, 1) → "12.3"; "-" for undefined. */
export const fixed = (n: number | undefined, digits: number): string => (n === undefined ? '-' : n.toFixed(digits));

/** "label   value" lines, labels padded to one width. */
export function renderPairs(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}
