/**
 * Section 1b, every deployed function's package: the zip `npm run package` wrote for each function serverless.yml
 * declares, its one ESM bundle (raw and gzip) and whether it is within the 500 KB the lean-functions goal sets
 * (issue 6; test/unit/build/packaged-bundles.test.ts guards the same budget). Section 1 measures the lifecycle and
 * writer functions in depth; this one only weighs, so a new capability's functions are covered without code here.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { BUNDLE_EXTENSION, ROOT } from './builds';
import { listZip, readZipEntry } from './zip';

/** The lean-functions goal: at most 500 KB of bundle JS per function. */
export const BUNDLE_TARGET_BYTES = 500_000;

export interface PackageRow {
  fn: string;
  zipBytes: number;
  bundleRawBytes: number;
  bundleGzipBytes: number;
  withinTarget: boolean;
}

export function measurePackages(dir = join(ROOT, '.serverless')): PackageRow[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.zip') && name !== 'fleetpilot.zip')
    .sort()
    .map((name) => {
      const file = join(dir, name);
      const zip = readFileSync(file);
      const bundles = listZip(zip).filter((entry) => entry.name.endsWith(BUNDLE_EXTENSION));
      const [bundle] = bundles;
      if (!bundle || bundles.length !== 1) throw new Error(`${file}: expected one ${BUNDLE_EXTENSION} bundle`);
      const js = readZipEntry(zip, bundle);
      return {
        fn: name.slice(0, -'.zip'.length),
        zipBytes: statSync(file).size,
        bundleRawBytes: js.length,
        bundleGzipBytes: gzipSync(js).length,
        withinTarget: js.length <= BUNDLE_TARGET_BYTES,
      };
    });
}
