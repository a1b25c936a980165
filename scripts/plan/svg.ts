/**
 * The capacity chart of `npm run plan -- --svg FILE` as a standalone SVG document, generated as text (no
 * dependency): step lines for min, desired and max, axes with values and the local midnights of the service's zone,
 * DST transitions and the occurrences their gap skips, a legend. Tooling only.
 */
import { DateTime } from 'luxon';
import type { Capacity } from '../../functions/schedule/config';
import type { Plan } from '../../functions/schedule/plan';
import { chartTop } from './chart';

/** Geometry of the drawing, in SVG user units. */
export const SVG_LAYOUT = { width: 960, height: 400, left: 56, top: 48, plotWidth: 840, plotHeight: 240 } as const;

const SERIES = [
  { key: 'max', colour: '#cf222e', width: 1.5, dash: '6 4' },
  { key: 'min', colour: '#0969da', width: 1.5, dash: '6 4' },
  { key: 'desired', colour: '#1a7f37', width: 2.5, dash: undefined },
] as const;

/** Text and attribute values escaped for XML. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** A number for an attribute: at most one decimal, no trailing ".0". */
const num = (n: number) => String(Math.round(n * 10) / 10);

/** Scale: a tick step of 1, 2, 5, 10, … with at most 8 steps, and the top rounded up to a whole step. */
export function valueAxis(top: number): { step: number; top: number } {
  const steps = [1, 2, 5];
  for (let magnitude = 1; ; magnitude *= 10) {
    for (const s of steps) {
      const step = s * magnitude;
      if (top / step <= 8) return { step, top: Math.ceil(top / step) * step };
    }
  }
}

/** The corner points of one field's step line, [instant, value] pairs, from the first time the field is set. */
export function stepPoints(plan: Plan, key: keyof Capacity): [number, number][] {
  const points: [number, number][] = [];
  let value = plan.start[key];
  if (value !== undefined) points.push([plan.from.getTime(), value]);
  for (const change of plan.changes) {
    const next = change.after[key];
    if (next === undefined || next === value) continue;
    const t = change.at.getTime();
    if (value !== undefined) points.push([t, value]);
    points.push([t, next]);
    value = next;
  }
  if (value !== undefined) points.push([plan.to.getTime(), value]);
  return points;
}

/** The chart as an SVG document. */
export function planSvg(plan: Plan): string {
  const { width, height, left, top, plotWidth, plotHeight } = SVG_LAYOUT;
  const from = plan.from.getTime();
  const span = plan.to.getTime() - from;
  const axis = valueAxis(chartTop([plan.start, ...plan.changes.map((c) => c.after)]));
  const x = (t: number) => left + ((t - from) / span) * plotWidth;
  const y = (v: number) => top + plotHeight - (v / axis.top) * plotHeight;
  const bottom = top + plotHeight;
  const local = (t: number, format: string) => DateTime.fromMillis(t, { zone: plan.timezone }).toFormat(format);
  const out: string[] = [];
  const add = (line: string) => out.push(line);

  add('<?xml version="1.0" encoding="UTF-8"?>');
  add(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  );
  const title = `${plan.service} capacity, ${plan.timezone}, ${local(from, 'yyyy-MM-dd HH:mm')} → ${local(plan.to.getTime(), 'yyyy-MM-dd HH:mm')}`;
  add(`<title>${escapeXml(title)}</title>`);
  add(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  add(`<text x="${left}" y="24" font-size="15" font-weight="bold">${escapeXml(title)}</text>`);

  // Value axis: ticks, labels and light grid lines.
  add('<g id="value-axis" stroke="#d0d7de">');
  for (let v = 0; v <= axis.top; v += axis.step) {
    add(`<line x1="${left}" y1="${num(y(v))}" x2="${left + plotWidth}" y2="${num(y(v))}"/>`);
    add(`<text x="${left - 8}" y="${num(y(v) + 4)}" text-anchor="end" stroke="none" fill="#57606a">${v}</text>`);
  }
  add(
    `<text x="16" y="${num(top + plotHeight / 2)}" transform="rotate(-90 16 ${num(top + plotHeight / 2)})" text-anchor="middle" stroke="none" fill="#57606a">instances</text>`,
  );
  add('</g>');

  // Time axis: a tick and a label at each local midnight of the service's zone.
  add('<g id="time-axis" stroke="#57606a">');
  add(`<line x1="${left}" y1="${bottom}" x2="${left + plotWidth}" y2="${bottom}"/>`);
  add(`<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}"/>`);
  const days: number[] = [];
  for (let d = DateTime.fromMillis(from, { zone: plan.timezone }); d.toMillis() < plan.to.getTime(); ) {
    days.push(d.toMillis());
    d = d.plus({ days: 1 }).startOf('day');
  }
  const dayWidth = plotWidth / Math.max(1, days.length);
  const labelEvery = Math.ceil(80 / dayWidth);
  days.forEach((t, i) => {
    add(`<line x1="${num(x(t))}" y1="${bottom}" x2="${num(x(t))}" y2="${bottom + 6}"/>`);
    if (i % labelEvery === 0) {
      add(
        `<text x="${num(x(t) + 3)}" y="${bottom + 20}" stroke="none" fill="#24292f">${escapeXml(local(t, 'ccc d LLL'))}</text>`,
      );
    }
  });
  add(
    `<text x="${left + plotWidth / 2}" y="${bottom + 40}" text-anchor="middle" stroke="none" fill="#57606a">${escapeXml(`local time (${plan.timezone}); ticks at midnight`)}</text>`,
  );
  add('</g>');

  // DST transitions: a dashed vertical line with the offsets.
  add('<g id="dst" stroke="#bf8700" fill="#9a6700">');
  for (const t of plan.transitions) {
    const at = num(x(t.at.getTime()));
    const text = `DST ${local(t.at.getTime() - 1, 'ZZ')} → ${local(t.at.getTime(), 'ZZ')}`;
    add(
      `<line x1="${at}" y1="${top}" x2="${at}" y2="${bottom}" stroke-dasharray="3 3"><title>${escapeXml(`${text} at ${t.at.toISOString()}`)}</title></line>`,
    );
    add(`<text x="${num(x(t.at.getTime()) + 3)}" y="${top - 4}" stroke="none">${escapeXml(text)}</text>`);
  }
  add('</g>');

  // The step lines, desired last so it is drawn on top.
  for (const series of SERIES) {
    const points = stepPoints(plan, series.key);
    if (points.length === 0) continue;
    const dash = series.dash ? ` stroke-dasharray="${series.dash}"` : '';
    add(
      `<polyline id="${series.key}" fill="none" stroke="${series.colour}" stroke-width="${series.width}"${dash} points="${points.map(([t, v]) => `${num(x(t))},${num(y(v))}`).join(' ')}"/>`,
    );
  }

  // Each change of desired capacity: a dot with the change as its tooltip.
  add('<g id="changes" fill="#1a7f37">');
  for (const c of plan.changes) {
    if (c.after.desired === undefined) continue;
    const tip = `${c.rule} ${c.local}: desired ${c.before.desired ?? '-'} → ${c.after.desired}, min ${c.after.min ?? '-'}, max ${c.after.max ?? '-'}`;
    add(
      `<circle cx="${num(x(c.at.getTime()))}" cy="${num(y(c.after.desired))}" r="3"><title>${escapeXml(tip)}</title></circle>`,
    );
  }
  add('</g>');

  // Occurrences the DST gap skips: a cross on the time axis at the jump.
  add('<g id="skipped" stroke="#cf222e" stroke-width="2">');
  for (const s of plan.skipped) {
    const cx = x(s.at.getTime());
    add(
      `<path d="M ${num(cx - 5)} ${bottom - 5} L ${num(cx + 5)} ${bottom + 5} M ${num(cx - 5)} ${bottom + 5} L ${num(cx + 5)} ${bottom - 5}"><title>${escapeXml(`${s.rule} at ${s.local} skipped (${s.reason})`)}</title></path>`,
    );
  }
  add('</g>');

  // Legend.
  const legendY = height - 24;
  add('<g id="legend">');
  const entries: { label: string; draw: (lx: number) => string }[] = [
    ...[...SERIES].reverse().map((s) => ({
      label: s.key,
      draw: (lx: number) =>
        `<line x1="${lx}" y1="${legendY}" x2="${lx + 24}" y2="${legendY}" stroke="${s.colour}" stroke-width="${s.width}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
    })),
    {
      label: 'DST transition',
      draw: (lx: number) =>
        `<line x1="${lx + 12}" y1="${legendY - 8}" x2="${lx + 12}" y2="${legendY + 8}" stroke="#bf8700" stroke-dasharray="3 3"/>`,
    },
    {
      label: 'skipped by the DST gap',
      draw: (lx: number) =>
        `<path d="M ${lx + 7} ${legendY - 5} L ${lx + 17} ${legendY + 5} M ${lx + 7} ${legendY + 5} L ${lx + 17} ${legendY - 5}" stroke="#cf222e" stroke-width="2"/>`,
    },
  ];
  entries.forEach((entry, i) => {
    const lx = left + i * 150;
    add(entry.draw(lx));
    add(`<text x="${lx + 30}" y="${legendY + 4}">${escapeXml(entry.label)}</text>`);
  });
  add('</g>');
  add('</svg>');
  return `${out.join('\n')}\n`;
}
