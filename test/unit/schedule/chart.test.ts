/**
 * The charts of `npm run plan` (scripts/plan/chart.ts, scripts/plan/svg.ts) against hand-computed columns and points.
 */
import { scheduleSchema } from '../../../functions/schedule/config';
import { planWindow } from '../../../functions/schedule/plan';
import { chartColumns, terminalChart, wantsColour } from '../../../scripts/plan/chart';
import { escapeXml, planSvg, SVG_LAYOUT, stepPoints, valueAxis } from '../../../scripts/plan/svg';

const berlin = scheduleSchema.parse({
  timezone: 'Europe/Berlin',
  rules: [
    { name: 'business-hours', cron: 'cron(30 7 ? * MON-FRI *)', capacity: { min: 2, max: 8, desired: 4 } },
    { name: 'night', cron: 'cron(30 2 * * ? *)', capacity: { min: 1, desired: 1 } },
  ],
});

const seoul = scheduleSchema.parse({
  timezone: 'Asia/Seoul',
  rules: [
    { name: 'office', cron: 'cron(0 8 ? * MON-FRI *)', capacity: { min: 2, max: 8, desired: 4 } },
    { name: 'night', cron: 'cron(0 20 * * ? *)', capacity: { min: 1, desired: 1 } },
  ],
});

/**
 * Minimal XML well-formedness: one root element, every tag closed in order, attributes quoted and unique, only the
 * five predefined entities or character references, no raw '<' or '&' in text.
 */
function wellFormedProblems(xml: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  let roots = 0;
  let rest = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const name = '[A-Za-z_][\\w.:-]*';
  const tag = new RegExp(`^<(/?)(${name})((?:\\s+${name}\\s*=\\s*(?:"[^"<]*"|'[^'<]*'))*)\\s*(/?)>`);
  const checkText = (text: string) => {
    const bad = text.replace(/&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, '');
    if (bad.includes('&')) problems.push(`bare & in ${JSON.stringify(text.slice(0, 40))}`);
  };
  while (rest.length > 0) {
    const lt = rest.indexOf('<');
    const text = lt === -1 ? rest : rest.slice(0, lt);
    checkText(text);
    if (text.trim() !== '' && stack.length === 0) problems.push('text outside the root element');
    if (lt === -1) break;
    rest = rest.slice(lt);
    const m = tag.exec(rest);
    if (!m) {
      problems.push(`malformed tag at ${JSON.stringify(rest.slice(0, 40))}`);
      break;
    }
    const [whole, closing, tagName = '', attributes = '', selfClosing] = m;
    checkText(attributes);
    const names = [...attributes.matchAll(new RegExp(`(${name})\\s*=`, 'g'))].map((a) => a[1]);
    if (new Set(names).size !== names.length) problems.push(`duplicate attribute in <${tagName}>`);
    if (closing) {
      if (stack.pop() !== tagName) problems.push(`</${tagName}> closes the wrong element`);
    } else {
      if (stack.length === 0) roots++;
      if (!selfClosing) stack.push(tagName);
    }
    rest = rest.slice(whole.length);
  }
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(' > ')}`);
  if (roots !== 1) problems.push(`${roots} root elements`);
  return problems;
}

describe('the terminal chart of the plan', () => {
  // 28–30 March 2026 in Berlin: 71 hours (the clock skips 02:00–03:00 on Sunday 29th), from 27 March 23:00Z.
  const plan = planWindow('web', berlin, '2026-03-28', 3);
  const { slice, columns } = chartColumns(plan, 96);

  it('cuts the 71-hour window into one-hour columns from local midnight', () => {
    expect(slice).toBe(3_600_000);
    expect(columns).toHaveLength(71);
    expect(columns[0]?.start).toEqual(new Date('2026-03-27T23:00:00Z'));
    expect(columns[70]?.end).toEqual(new Date('2026-03-30T22:00:00Z'));
  });

  it('shows each change in the column that contains it', () => {
    const desired = columns.map((c) => c.capacity.desired);
    // Start: Friday 07:30 business-hours (4). Night 28th 01:30Z → column 2 (01:00–02:00Z). Night 30th 00:30Z → column
    // 49 (no change, 1 → 1). Business-hours 30th 05:30Z → column 54 (05:00–06:00Z).
    expect(desired.slice(0, 2)).toEqual([4, 4]);
    expect(new Set(desired.slice(2, 54))).toEqual(new Set([1]));
    expect(new Set(desired.slice(54))).toEqual(new Set([4]));
    expect(columns[2]?.capacity).toEqual({ min: 1, max: 8, desired: 1 });
    expect(columns[54]?.capacity).toEqual({ min: 2, max: 8, desired: 4 });
  });

  it('marks local midnights, the DST jump and the skipped 02:30 in their columns', () => {
    // Sat 00:00 CET = 27th 23:00Z (column 0), Sun 00:00 CET = 28th 23:00Z (24), Mon 00:00 CEST = 29th 22:00Z (47).
    expect(columns.flatMap((c, i) => (c.day ? [[i, c.day]] : []))).toEqual([
      [0, 'Sat 28'],
      [24, 'Sun 29'],
      [47, 'Mon 30'],
    ]);
    // The jump at 29th 01:00Z = 26 hours after the start; the skipped night run is placed at the jump.
    expect(columns.flatMap((c, i) => (c.dst ? [i] : []))).toEqual([26]);
    expect(columns.flatMap((c, i) => (c.skipped > 0 ? [i] : []))).toEqual([26]);
  });

  it('draws desired as a step line between the min and max lines, plain without colour', () => {
    const lines = terminalChart(plan, { width: 96, colour: false });
    const row = (value: number) => {
      const line = lines.find((l) => l.startsWith(`${value} ┤`));
      if (!line) throw new Error(`no row ${value}`);
      return [...line.slice(3)];
    };
    expect(row(4).slice(0, 3).join('')).toBe('━━┓');
    expect(row(3)[2]).toBe('┃');
    expect(row(1)[2]).toBe('┗');
    expect(row(1)[53]).toBe('━');
    expect(row(1)[54]).toBe('┛');
    expect(row(4)[54]).toBe('┏');
    expect(row(8).every((ch) => ch === '╌')).toBe(true);
    expect(row(2)[0]).toBe('╌');
    expect(row(2)[60]).toBe('╌');
    expect(row(7)[26]).toBe('┊');
    const axis = lines.find((l) => l.includes('└')) ?? '';
    expect([...axis.slice(axis.indexOf('└') + 1)].flatMap((ch, i) => (ch === '┬' ? [i] : []))).toEqual([0, 24, 47]);
    expect(lines.join('\n')).not.toContain('\u001b[');
  });

  it('colours only when asked: on a terminal without NO_COLOR', () => {
    expect(terminalChart(plan, { width: 96, colour: true }).join('\n')).toContain('\u001b[1;32m━');
    expect(wantsColour(true, {})).toBe(true);
    expect(wantsColour(true, { NO_COLOR: '' })).toBe(true);
    expect(wantsColour(true, { NO_COLOR: '1' })).toBe(false);
    expect(wantsColour(false, {})).toBe(false);
    expect(wantsColour(undefined, {})).toBe(false);
  });

  it('picks wider columns for a longer window', () => {
    // 7 days (one DST jump: 167 hours) in 96 columns: 2 hours each, 84 columns.
    const week = chartColumns(planWindow('web', berlin, '2026-03-28', 7), 96);
    expect(week.slice).toBe(2 * 3_600_000);
    expect(week.columns).toHaveLength(84);
    // 60 days from 1 October: 12 hours would need 120 columns, so 1 day each (61 slices: 25 October has 25 hours).
    const autumn = chartColumns(planWindow('web', berlin, '2026-10-01', 60), 96);
    expect(autumn.slice).toBe(86_400_000);
    expect(autumn.columns).toHaveLength(61);
    expect(autumn.columns[0]?.day).toBe('1 Oct');
    expect(autumn.columns.flatMap((c, i) => (c.dst ? [i] : []))).toEqual([24]);
  });
});

describe('the SVG chart of the plan', () => {
  // Monday 1 June 2026 in Seoul (UTC+9): 24 hours over 840 units = 35 per hour from x = 56; values 0..8 over 240
  // units = 30 per instance from y = 288 up.
  const plan = planWindow('web', seoul, '2026-06-01', 1);
  const svg = planSvg(plan);
  const points = (id: string) => {
    const m = new RegExp(`<polyline id="${id}"[^>]* points="([^"]*)"`).exec(svg);
    return m?.[1];
  };

  it('uses the documented layout and a value axis up to the highest capacity', () => {
    expect(SVG_LAYOUT).toMatchObject({ left: 56, top: 48, plotWidth: 840, plotHeight: 240 });
    expect(valueAxis(8)).toEqual({ step: 1, top: 8 });
    expect(valueAxis(25)).toEqual({ step: 5, top: 25 });
    expect(valueAxis(23)).toEqual({ step: 5, top: 25 });
  });

  it('draws the step lines at hand-computed points', () => {
    // Start (Sunday 20:00 night after Friday 08:00 office): min 1, max 8, desired 1. 08:00 → x 336; 20:00 → x 756.
    expect(points('desired')).toBe('56,258 336,258 336,168 756,168 756,258 896,258');
    expect(points('min')).toBe('56,258 336,258 336,228 756,228 756,258 896,258');
    expect(points('max')).toBe('56,48 896,48');
    expect(stepPoints(plan, 'desired')[1]).toEqual([Date.parse('2026-05-31T23:00:00Z'), 1]);
  });

  it('marks the DST jump and the skipped occurrences', () => {
    const spring = planSvg(planWindow('web', berlin, '2026-03-28', 3));
    // 26 of 71 hours: x = 56 + 840 * 26 / 71 = 363.6.
    expect(spring).toMatch(
      /<line x1="363.6" y1="48" x2="363.6" y2="288" stroke-dasharray="3 3"><title>DST \+01:00 → \+02:00/,
    );
    expect(spring).toContain('<title>night at 2026-03-29T02:30 skipped (dst-gap)</title>');
    expect(svg).not.toContain('DST +');
  });

  it('is well-formed XML with a legend', () => {
    expect(wellFormedProblems(svg)).toEqual([]);
    expect(wellFormedProblems(planSvg(planWindow('web & <co>', berlin, '2026-03-28', 3)))).toEqual([]);
    expect(svg).toContain('<g id="legend">');
    for (const label of ['desired', 'min', 'max', 'DST transition', 'skipped by the DST gap']) {
      expect(svg).toContain(`>${label}</text>`);
    }
  });

  it('has a well-formedness check that catches broken markup', () => {
    expect(wellFormedProblems('<svg><g></svg>')).not.toEqual([]);
    expect(wellFormedProblems('<svg><text>a & b</text></svg>')).not.toEqual([]);
    expect(wellFormedProblems('<svg x=1/>')).not.toEqual([]);
    expect(wellFormedProblems('<svg/><svg/>')).not.toEqual([]);
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  });
});
