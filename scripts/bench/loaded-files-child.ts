/**
 * Child process of `npm run bench` (bundled by esbuild into .bench/child/, run with plain `node`): imports one
 * handler module as Lambda does (import(), whatever its format) and reports the files that loaded: the handler file
 * itself and every file the import added to require.cache — what the function loads at run time. ES modules other
 * than the handler file do not show in require.cache; the deployed bundle imports none but node: builtins.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { LoadedFilesRequest, LoadedFilesResult } from './protocol';

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2] ?? '') as LoadedFilesRequest;
  process.env.LAMBDA_TASK_ROOT = request.taskRoot;
  const before = new Set(Object.keys(require.cache));
  await import(pathToFileURL(request.handlerFile).href);
  const loaded = [...new Set([request.handlerFile, ...Object.keys(require.cache).filter((file) => !before.has(file))])];
  let rawBytes = 0;
  let gzipBytes = 0;
  const packages = new Set<string>();
  for (const file of loaded) {
    const content = readFileSync(file);
    rawBytes += content.length;
    gzipBytes += gzipSync(content).length;
    const pkg = [...file.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)].pop()?.[1];
    if (pkg) packages.add(pkg);
  }
  const result: LoadedFilesResult = { files: loaded.length, rawBytes, gzipBytes, packages: packages.size };
  writeFileSync(request.resultFile, JSON.stringify(result));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
