/**
 * deploy/esbuild/lambda-credentials.cjs: bundles a tiny entry that sends one SQS command with the default credential
 * chain, with and without the plugin. With it, the unreachable links of the chain (and the STS/SSO clients behind
 * them) are gone, the request is still signed with the environment's credentials, and missing variables fail with
 * the SDK's own error.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';

const { lambdaCredentials } = require('../../../deploy/esbuild/lambda-credentials.cjs') as {
  lambdaCredentials: () => import('esbuild').Plugin;
};

const REPO = join(__dirname, '..', '..', '..');

const ENTRY = `
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
export async function send(handle) {
  const client = new SQSClient({ region: 'eu-west-1', maxAttempts: 1, requestHandler: { handle } });
  return client.send(new GetQueueUrlCommand({ QueueName: 'q' }));
}
`;

/** Runs the bundle against a stub handler that records the Authorization header the signer wrote. */
const RUNNER = `
import { Readable } from 'node:stream';
import { send } from './bundle.mjs';
let authorization = '';
try {
  await send(async (request) => {
    authorization = request.headers.authorization ?? '';
    const body = JSON.stringify({ QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q' });
    return { response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: Readable.from([Buffer.from(body)]) } };
  });
  console.log(JSON.stringify({ authorization }));
} catch (error) {
  console.log(JSON.stringify({ error: error.name + ': ' + error.message }));
}
`;

async function bundle(plugins: import('esbuild').Plugin[]): Promise<{ code: string; metafile: Metafile }> {
  const result = await build({
    stdin: { contents: ENTRY, resolveDir: REPO, loader: 'js', sourcefile: 'entry.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    mainFields: ['module', 'main'],
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins,
  });
  const [file] = result.outputFiles;
  if (!file) throw new Error('esbuild wrote no output');
  return { code: file.text, metafile: result.metafile };
}

const inputs = (metafile: Metafile) => Object.values(metafile.outputs).flatMap((o) => Object.keys(o.inputs));

function run(code: string, env: Record<string, string>): { authorization?: string; error?: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fleetpilot-credentials-'));
  try {
    writeFileSync(join(dir, 'bundle.mjs'), code);
    writeFileSync(join(dir, 'runner.mjs'), RUNNER);
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
    const out = spawnSync(process.execPath, ['runner.mjs'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...clean, HOME: dir, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    });
    return JSON.parse(out.stdout.trim().split('\n').pop() ?? '{}');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the lambda-credentials esbuild plugin', () => {
  it('leaves out the credential chain links Lambda never reaches, and the clients they carry', async () => {
    const without = await bundle([]);
    const withPlugin = await bundle([lambdaCredentials()]);

    const unreachable = /@aws-sdk\/(nested-clients|credential-provider-(ini|sso|process|web-identity|http|node))\//;
    expect(inputs(without.metafile).some((p) => unreachable.test(p))).toBe(true);
    expect(inputs(withPlugin.metafile).filter((p) => unreachable.test(p))).toEqual([]);
    expect(withPlugin.code.length).toBeLessThan(without.code.length - 50_000);
  });

  it("signs with the environment's credentials, as Lambda provides them", async () => {
    const { code } = await bundle([lambdaCredentials()]);

    const result = run(code, {
      AWS_ACCESS_KEY_ID: 'ASIAEXAMPLEFROMENV',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'token',
    });

    expect(result.error).toBeUndefined();
    expect(result.authorization).toContain('Credential=ASIAEXAMPLEFROMENV/');
  });

  it('fails with the SDK credentials error when the variables are missing, never silently', async () => {
    const { code } = await bundle([lambdaCredentials()]);

    expect(run(code, {}).error).toMatch(/^CredentialsProviderError: Unable to find environment variable credentials/);
  });
});
