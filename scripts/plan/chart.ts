/**
 * The capacity chart of `npm run plan` in the terminal: desired capacity as a heavy step line, min and max as light
 * dashed lines, a time axis in the service's zone with a mark at each local midnight, DST transitions and the
 * occurrences their gap skips. Plain text (box-drawing characters) that reads in a pipe; colour only when asked for
 * (scripts/plan.ts asks when stdout is a TTY and NO_COLOR is not set, https://no-color.org).
 *
 * Tooling only: nothing on a deployed path imports it.
 */
import { DateTime } from 'luxon';
import type { Capacity } from '../../functions/schedule/config';
import type { Plan } from '../../functions/schedule/plan';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Column widths the chart picks from: the smallest that fits the window in the width. */
const SLICES = [
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  20 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  4 * HOUR,
  6 * HOUR,
  8 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  3 * DAY,
  4 * DAY,
  7 * DAY,
];

/** The level in force just after `t` has passed: the start level, then every change at or before `t`. */
export function levelAfter(plan: Plan, t: number): Capacity {
  let level = plan.start;
  for (const change of plan.changes) {
    if (change.at.getTime() <= t) level = change.after;
  }
  return level;
}

/** One column of the chart: a slice [start, end) of the window. */
export interface ChartColumn {
  start: Date;
  end: Date;
  /** The level in force at the end of the slice, so a change shows in the column that contains it. */
  capacity: Capacity;
  /** Set on the column that contains a local midnight: the label of that day, "Sun 29" (or "29 Mar" past 8 days). */
  day?: string;
  dst: boolean;
  skipped: number;
}

export interface ChartColumns {
  /** Milliseconds per column. */
  slice: number;
  columns: ChartColumn[];
}

/** Splits the window into at most `width` equal slices of a round length (UTC time, so a DST day is shorter). */
export function chartColumns(plan: Plan, width: number): ChartColumns {
  const from = plan.from.getTime();
  const span = plan.to.getTime() - from;
  const slice = SLICES.find((s) => Math.ceil(span / s) <= width) ?? Math.ceil(span / width);
  const count = Math.ceil(span / slice);
  const within = (t: number, i: number) => t >= from + i * slice && t < Math.min(from + (i + 1) * slice, from + span);
  const midnights: { at: number; label: string }[] = [];
  for (
    let day = DateTime.fromMillis(from, { zone: plan.timezone }).startOf('day');
    day.toMillis() < plan.to.getTime();
    day = day.plus({ days: 1 })
  ) {
    midnights.push({ at: day.toMillis(), label: day.toFormat(span > 8 * DAY ? 'd LLL' : 'ccc d') });
  }
  const columns: ChartColumn[] = [];
  for (let i = 0; i < count; i++) {
    const start = from + i * slice;
    const end = Math.min(start + slice, from + span);
    columns.push({
      start: new Date(start),
      end: new Date(end),
      capacity: levelAfter(plan, end - 1),
      day: midnights.find((m) => within(m.at, i))?.label,
      dst: plan.transitions.some((t) => within(t.at.getTime(), i)),
      skipped: plan.skipped.filter((s) => within(s.at.getTime(), i)).length,
    });
  }
  return { slice, columns };
}

/** "1 h", "15 min", "2 d". */
export function showDuration(ms: number): string {
  if (ms % DAY === 0) return `${ms / DAY} d`;
  if (ms % HOUR === 0) return `${ms / HOUR} h`;
  return `${Math.round(ms / MINUTE)} min`;
}

/** The highest value the chart must show (at least 1). */
export function chartTop(capacities: Capacity[]): number {
  let top = 1;
  for (const c of capacities) top = Math.max(top, c.min ?? 0, c.max ?? 0, c.desired ?? 0);
  return top;
}

/** Colour only on a terminal, and not when NO_COLOR is set to a non-empty value (https://no-color.org). */
export function wantsColour(isTTY: boolean | undefined, env: Record<string, string | undefined>): boolean {
  return isTTY === true && (env.NO_COLOR ?? '') === '';
}

export interface TerminalChartOptions {
  /** Columns for the time axis (the gutter with the values comes on top). */
  width: number;
  colour: boolean;
  /** Rows above the zero line at most; a larger top value is scaled. */
  height?: number;
}

type Ink = 'desired' | 'limit' | 'event' | 'plain';
const COLOURS: Record<Ink, string> = {
  desired: '\u001b[1;32m',
  limit: '\u001b[36m',
  event: '\u001b[33m',
  plain: '',
};
const RESET = '\u001b[0m';

/** Min and max: a light dashed line each (min is the lower one); desired is drawn over them where they meet. */
const LIMIT = '╌';

/** Heavy box-drawing pieces of the desired line: a step up goes ┛ (old row) … ┏ (new row), a step down ┓ … ┗. */
const LINE = { flat: '━', vertical: '┃', upFrom: '┛', upTo: '┏', downFrom: '┓', downTo: '┗' };

/** The chart as lines of text: a title, the plot with its value gutter, the time axis, day labels and a legend. */
export function terminalChart(plan: Plan, options: TerminalChartOptions): string[] {
  const { slice, columns } = chartColumns(plan, options.width);
  const top = chartTop([plan.start, ...columns.map((c) => c.capacity)]);
  const rows = Math.min(top, options.height ?? 16);
  const rowOf = (v: number) => Math.round((v * rows) / top);
  const grid: { ch: string; ink: Ink }[][] = Array.from({ length: rows + 1 }, () =>
    columns.map(() => ({ ch: ' ', ink: 'plain' as Ink })),
  );
  const put = (row: number, col: number, ch: string, ink: Ink) => {
    const cell = grid[row]?.[col];
    if (cell) {
      cell.ch = ch;
      cell.ink = ink;
    }
  };
  let previous = plan.start.desired;
  columns.forEach((column, col) => {
    const { min, max, desired } = column.capacity;
    if (max !== undefined) put(rowOf(max), col, LIMIT, 'limit');
    if (min !== undefined) put(rowOf(min), col, LIMIT, 'limit');
    if (column.dst) {
      for (const row of grid) {
        const cell = row[col];
        if (cell && cell.ch === ' ') {
          cell.ch = '┊';
          cell.ink = 'event';
        }
      }
    }
    if (desired !== undefined) {
      const to = rowOf(desired);
      const from = previous === undefined ? to : rowOf(previous);
      if (from === to) put(to, col, LINE.flat, 'desired');
      else {
        const up = to > from;
        for (let r = Math.min(from, to) + 1; r < Math.max(from, to); r++) put(r, col, LINE.vertical, 'desired');
        put(from, col, up ? LINE.upFrom : LINE.downFrom, 'desired');
        put(to, col, up ? LINE.upTo : LINE.downTo, 'desired');
      }
      previous = desired;
    }
  });

  const paint = (ch: string, ink: Ink) => (options.colour && ink !== 'plain' ? `${COLOURS[ink]}${ch}${RESET}` : ch);
  const gutter = String(top).length;
  const label = (r: number) => {
    const value = Math.round((r * top) / rows);
    const shown = rows === top || r === 0 || r === rows || r % 4 === 0;
    return (shown ? String(value) : '').padStart(gutter);
  };
  const plot = grid
    .map((row, r) => `${label(r)} ┤${row.map((cell) => paint(cell.ch, cell.ink)).join('')}`.trimEnd())
    .reverse();
  const axis = columns.map((c) => (c.day !== undefined ? '┬' : '─')).join('');
  const days = columns.map(() => ' ');
  let free = 0;
  columns.forEach((c, col) => {
    if (c.day === undefined || col < free) return;
    for (let k = 0; k < c.day.length && col + k < days.length; k++) days[col + k] = c.day[k] ?? ' ';
    free = col + c.day.length + 1;
  });
  const marks = columns.map((c) => (c.skipped > 0 ? '×' : c.dst ? '┊' : ' '));
  const pad = ' '.repeat(gutter + 1);
  const local = (d: Date) => DateTime.fromJSDate(d, { zone: plan.timezone }).toFormat('yyyy-MM-dd HH:mm');
  const lines = [
    `${plan.service} capacity, ${plan.timezone}, ${local(plan.from)} → ${local(plan.to)} (1 column = ${showDuration(slice)})`,
    ...plot,
    `${pad}└${axis}`,
    `${pad} ${days.join('').trimEnd()}`,
  ];
  if (marks.some((m) => m !== ' ')) lines.push(`${pad} ${marks.map((m) => paint(m, 'event')).join('')}`.trimEnd());
  lines.push(
    `${pad} ${paint('━', 'desired')} desired  ${paint(LIMIT, 'limit')} min (lower), max (upper)  ${paint('┊', 'event')} DST  ${paint('×', 'event')} skipped (DST gap)`,
  );
  return lines;
}
