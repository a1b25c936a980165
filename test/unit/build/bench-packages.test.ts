/**
 * scripts/bench/packages.ts: the bench weighs every function package in a folder, one bundle each, against the
 * 500 KB target.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { BUNDLE_TARGET_BYTES, measurePackages } from '../../../scripts/bench/packages';
import { writeZip } from '../../../scripts/bench/zip';

describe("the bench's package weights", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fleetpilot-packages-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const zipOf = (files: Record<string, Buffer>) =>
    writeZip(Object.entries(files).map(([name, content]) => ({ name, content })));

  it('weighs the bundle of every function zip, and says which exceed the target', () => {
    const small = Buffer.from('export const handler = () => 1;\n'.repeat(10));
    const large = Buffer.alloc(BUNDLE_TARGET_BYTES + 1, 'a');
    writeFileSync(join(dir, 'alpha.zip'), zipOf({ 'functions/a/h.mjs': small, 'functions/a/h.mjs.map': small }));
    writeFileSync(join(dir, 'beta.zip'), zipOf({ 'functions/b/h.mjs': large }));
    writeFileSync(join(dir, 'cloudformation-template-update-stack.json'), '{}');

    const rows = measurePackages(dir);

    expect(rows.map((r) => [r.fn, r.bundleRawBytes, r.bundleGzipBytes, r.withinTarget])).toEqual([
      ['alpha', small.length, gzipSync(small).length, true],
      ['beta', large.length, gzipSync(large).length, false],
    ]);
    expect(rows.every((r) => r.zipBytes > 0)).toBe(true);
  });

  it('refuses a zip with no bundle or with two', () => {
    writeFileSync(join(dir, 'two.zip'), zipOf({ 'a.mjs': Buffer.from('1'), 'b.mjs': Buffer.from('2') }));

    expect(() => measurePackages(dir)).toThrow(/two\.zip: expected one \.mjs bundle/);
  });
});
