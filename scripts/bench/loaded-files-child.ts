/**
 * Child process of `npm run bench` (bundled by esbuild into .bench/child/, run with plain `node`): requires one
 * handler module and reports every file that require added to require.cache — what the function loads at run time.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import type { LoadedFilesRequest, LoadedFilesResult } from './protocol';

function main(): void {
  const request = JSON.parse(process.argv[2] ?? '') as LoadedFilesRequest;
  process.env.LAMBDA_TASK_ROOT = request.taskRoot;
  const before = new Set(Object.keys(require.cache));
  createRequire(request.handlerFile)(request.handlerFile);
  const loaded = Object.keys(require.cache).filter((file) => !before.has(file));
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

main();
