/**
 * Section 1, bundle size per function: the minified bundle JS inside the zip `npm run package` wrote (raw and gzip)
 * and the zip itself, beside what the unbundled build loads at run time (every file a child process's require of the
 * handler adds to require.cache, raw and gzip per file). The bundled build is measured the same way as a check.
 */
import { readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { BUNDLE_EXTENSION, HANDLER_MODULES, zipPath } from './builds';
import { runChild } from './children';
import { FUNCTIONS, type FunctionName, type HandlerBuild, type LoadedFilesResult } from './protocol';
import { listZip, readZipEntry } from './zip';

export interface SizeRow {
  fn: FunctionName;
  zipBytes: number;
  bundleRawBytes: number;
  bundleGzipBytes: number;
  bundledLoaded: LoadedFilesResult;
  unbundledLoaded: LoadedFilesResult;
}

export function measureSizes(
  bundled: Record<FunctionName, HandlerBuild>,
  unbundled: Record<FunctionName, HandlerBuild>,
  loadedFilesEntry: string,
): SizeRow[] {
  return FUNCTIONS.map((fn) => {
    const zip = readFileSync(zipPath(fn));
    const name = `${HANDLER_MODULES[fn]}${BUNDLE_EXTENSION}`;
    const entry = listZip(zip).find((e) => e.name === name);
    if (!entry) throw new Error(`${zipPath(fn)} has no ${name}`);
    const js = readZipEntry(zip, entry);
    return {
      fn,
      zipBytes: statSync(zipPath(fn)).size,
      bundleRawBytes: js.length,
      bundleGzipBytes: gzipSync(js).length,
      bundledLoaded: runChild<LoadedFilesResult>(loadedFilesEntry, { ...bundled[fn] }),
      unbundledLoaded: runChild<LoadedFilesResult>(loadedFilesEntry, { ...unbundled[fn] }),
    };
  });
}
