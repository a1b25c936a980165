/**
 * The builds the benchmark compares, all under .bench/ (gitignored):
 * - bundled:   the zips `npm run package` writes to .serverless/ (rebuilt first when missing or older than the
 *              sources), extracted to .bench/bundled/<function>/ so a child process can require them.
 * - unbundled: the repo's TypeScript transpiled file by file with esbuild (bundle: false, CommonJS) to
 *              .bench/unbundled/; its imports resolve to the repo's node_modules at run time. The JSON config is
 *              written beside it where the bundled package carries it.
 * - sdk-external: the deployed bundle's esbuild options (serverless.yml custom.esbuild, plugins included) with
 *              `@aws-sdk/*` left external, as if the functions used the SDK the Lambda runtime ships, to
 *              .bench/sdk-external/<function>/, zipped like a package: the other side of the decision in
 *              serverless.yml's esbuild section. Its SDK imports resolve to the repo's node_modules (CommonJS).
 * - children:  the benchmark's child-process entries, bundled to .bench/child/ to run with plain `node`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { type BuildOptions, build, type Plugin } from 'esbuild';
import { parse } from 'yaml';
import { BUNDLED_CONFIG_FILE, writeBundledConfig } from '../../shared/config/bundled';
import { loadConfig } from '../../shared/config/load';
import { FUNCTIONS, type FunctionName, type HandlerBuild } from './protocol';
import { listZip, readZipEntry, writeZip } from './zip';

export const ROOT = join(__dirname, '..', '..');
export const BENCH_DIR = join(ROOT, '.bench');
export const CONFIG_FILE = 'fleetpilot.example.yml';

/** The file extension serverless-esbuild gives the bundles (custom.esbuild.outputFileExtension in serverless.yml). */
export const BUNDLE_EXTENSION = '.mjs';

/** serverless.yml's handler module per function. */
export const HANDLER_MODULES: Record<FunctionName, string> = {
  lifecycleLaunch: 'functions/lifecycle/launch-handler',
  lifecycleTerminate: 'functions/lifecycle/terminate-handler',
  lifecycleResume: 'functions/lifecycle/resume-handler',
  dnsWriter: 'functions/dns-writer/writer-handler',
};

/** What `serverless package` reads: a zip older than any of these is stale. */
const PACKAGE_INPUTS = [
  'functions',
  'shared',
  'deploy',
  'serverless.yml',
  CONFIG_FILE,
  'package.json',
  'package-lock.json',
];

export const zipPath = (fn: FunctionName) => join(ROOT, '.serverless', `${fn}.zip`);

/** Runs `npm run package` when a zip is missing or older than the newest source; says whether it did. */
export function ensurePackaged(): { rebuilt: boolean; reason: string } {
  const newestSource = Math.max(...PACKAGE_INPUTS.map((path) => newestMtime(join(ROOT, path))));
  const zips = FUNCTIONS.map(zipPath);
  const missing = zips.filter((zip) => !existsSync(zip));
  const stale = zips.filter((zip) => existsSync(zip) && statSync(zip).mtimeMs < newestSource);
  if (missing.length === 0 && stale.length === 0) return { rebuilt: false, reason: 'zips newer than the sources' };
  const reason =
    missing.length > 0 ? `missing ${missing.map((z) => relative(ROOT, z)).join(', ')}` : 'zips older than the sources';
  const run = spawnSync('npm', ['run', 'package'], { cwd: ROOT, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`npm run package failed (${reason}):\n${run.stdout}\n${run.stderr}`);
  return { rebuilt: true, reason };
}

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/** Extracts each function's zip to .bench/bundled/<function>/ and returns where its handler is. */
export function extractBundles(): Record<FunctionName, HandlerBuild> {
  const out = {} as Record<FunctionName, HandlerBuild>;
  for (const fn of FUNCTIONS) {
    const taskRoot = join(BENCH_DIR, 'bundled', fn);
    rmSync(taskRoot, { recursive: true, force: true });
    const zip = readFileSync(zipPath(fn));
    for (const entry of listZip(zip)) {
      if (entry.name.endsWith('/')) continue;
      const target = join(taskRoot, entry.name);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, readZipEntry(zip, entry));
    }
    out[fn] = { fn, taskRoot, handlerFile: join(taskRoot, `${HANDLER_MODULES[fn]}${BUNDLE_EXTENSION}`) };
  }
  return out;
}

/** Transpiles functions/ and shared/ file by file to .bench/unbundled/, with the config beside them. */
export async function buildUnbundled(): Promise<Record<FunctionName, HandlerBuild>> {
  const taskRoot = join(BENCH_DIR, 'unbundled');
  rmSync(taskRoot, { recursive: true, force: true });
  const entryPoints = ['functions', 'shared'].flatMap((dir) => tsFiles(join(ROOT, dir)));
  await build({
    entryPoints,
    outdir: taskRoot,
    outbase: ROOT,
    bundle: false,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    logLevel: 'error',
  });
  writeBundledConfig(loadConfig(join(ROOT, CONFIG_FILE)), join(taskRoot, BUNDLED_CONFIG_FILE));
  return Object.fromEntries(
    FUNCTIONS.map((fn) => [fn, { fn, taskRoot, handlerFile: join(taskRoot, `${HANDLER_MODULES[fn]}.js`) }]),
  ) as Record<FunctionName, HandlerBuild>;
}

/** serverless.yml's custom.esbuild as the esbuild options serverless-esbuild derives from it. */
export function deployedEsbuildOptions(): BuildOptions & { outExtension: Record<string, string> } {
  const doc = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'silent' }) as {
    custom?: { esbuild?: Record<string, unknown> };
  };
  const { outputFileExtension, plugins, exclude, external, ...rest } = doc.custom?.esbuild ?? {};
  const loaded = typeof plugins === 'string' ? (require(join(ROOT, plugins)) as Plugin[]) : [];
  return {
    ...(rest as BuildOptions),
    outExtension: { '.js': typeof outputFileExtension === 'string' ? outputFileExtension : '.js' },
    plugins: loaded,
    external: [...((external as string[] | undefined) ?? []), ...((exclude as string[] | undefined) ?? [])],
  };
}

export interface SdkExternalBuilds {
  builds: Record<FunctionName, HandlerBuild>;
  zipBytes: Record<FunctionName, number>;
  bundleRawBytes: Record<FunctionName, number>;
}

/** The deployed bundle with the SDK left to the runtime (see the header), one package per function, zipped. */
export async function buildSdkExternal(): Promise<SdkExternalBuilds> {
  const options = deployedEsbuildOptions();
  const out = { builds: {}, zipBytes: {}, bundleRawBytes: {} } as SdkExternalBuilds;
  const config = loadConfig(join(ROOT, CONFIG_FILE));
  for (const fn of FUNCTIONS) {
    const taskRoot = join(BENCH_DIR, 'sdk-external', fn);
    rmSync(taskRoot, { recursive: true, force: true });
    const extension = options.outExtension['.js'] ?? '.js';
    await build({
      ...options,
      external: [...(options.external ?? []), '@aws-sdk/*'],
      entryPoints: [join(ROOT, `${HANDLER_MODULES[fn]}.ts`)],
      outbase: ROOT,
      outdir: taskRoot,
      logLevel: 'error',
    });
    writeBundledConfig(config, join(taskRoot, BUNDLED_CONFIG_FILE));
    const files = [BUNDLED_CONFIG_FILE, `${HANDLER_MODULES[fn]}${extension}`, `${HANDLER_MODULES[fn]}${extension}.map`]
      .filter((name) => existsSync(join(taskRoot, name)))
      .map((name) => ({ name, content: readFileSync(join(taskRoot, name)) }));
    out.zipBytes[fn] = writeZip(files).length;
    out.bundleRawBytes[fn] = statSync(join(taskRoot, `${HANDLER_MODULES[fn]}${extension}`)).size;
    out.builds[fn] = { fn, taskRoot, handlerFile: join(taskRoot, `${HANDLER_MODULES[fn]}${extension}`) };
  }
  return out;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

export interface ChildEntries {
  coldStart: string;
  loadedFiles: string;
}

/** Bundles the child-process entries (the cold-start child carries the simulated account). */
export async function buildChildren(): Promise<ChildEntries> {
  const outdir = join(BENCH_DIR, 'child');
  rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints: {
      'cold-start': join(__dirname, 'cold-start-child.ts'),
      'loaded-files': join(__dirname, 'loaded-files-child.ts'),
    },
    outdir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    logLevel: 'error',
  });
  return { coldStart: join(outdir, 'cold-start.js'), loadedFiles: join(outdir, 'loaded-files.js') };
}
