/**
 * deploy/esbuild/inline-sdk-schema-keys.cjs: bundles a tiny entry that uses one EC2 command, with and without the
 * plugin, and checks that the plugin lets esbuild drop the unused schemas and that the smaller bundle still
 * serializes the request and parses the response of that command (the schemas it kept are the right ones).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';

const { inlineSdkSchemaKeys, inlineSchemaKeys } = require('../../../deploy/esbuild/inline-sdk-schema-keys.cjs') as {
  inlineSdkSchemaKeys: () => import('esbuild').Plugin;
  inlineSchemaKeys: (source: string) => { code: string; replaced: number };
};

const REPO = join(__dirname, '..', '..', '..');

const ENTRY = `
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
export async function describeInstances(handle) {
  const client = new EC2Client({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
    requestHandler: { handle },
  });
  return client.send(new DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] }));
}
`;

/** Runs the bundle in a fresh node process against a stub request handler that answers like EC2 (Query protocol). */
const RUNNER = `
import { Readable } from 'node:stream';
import { describeInstances } from './bundle.mjs';
const xml = '<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-1</requestId>' +
  '<reservationSet><item><reservationId>r-0abc</reservationId><instancesSet><item>' +
  '<instanceId>i-0123456789abcdef0</instanceId><privateIpAddress>10.0.1.23</privateIpAddress>' +
  '<instanceState><code>16</code><name>running</name></instanceState>' +
  '</item></instancesSet></item></reservationSet></DescribeInstancesResponse>';
let sentBody = '';
const output = await describeInstances(async (request) => {
  sentBody = String(request.body);
  return { response: { statusCode: 200, headers: { 'content-type': 'text/xml' }, body: Readable.from([Buffer.from(xml)]) } };
});
const instance = output.Reservations[0].Instances[0];
console.log(JSON.stringify({ sentBody, instanceId: instance.InstanceId, ip: instance.PrivateIpAddress, state: instance.State.Name }));
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

/** Bytes the EC2 client package contributes to the bundle. */
function ec2Bytes(metafile: Metafile): number {
  let bytes = 0;
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      if (path.includes('node_modules/@aws-sdk/client-ec2/')) bytes += input.bytesInOutput;
    }
  }
  return bytes;
}

describe('the inline-sdk-schema-keys esbuild plugin', () => {
  let without: { code: string; metafile: Metafile };
  let withPlugin: { code: string; metafile: Metafile };

  beforeAll(async () => {
    [without, withPlugin] = await Promise.all([bundle([]), bundle([inlineSdkSchemaKeys()])]);
  }, 60_000);

  it('lets esbuild drop the EC2 schemas one command does not use', () => {
    // Measured with SDK 3.1169: about 560 KB of the EC2 client without the plugin, about 30 KB with it. Should the
    // first assertion fail after an SDK upgrade, the SDK writes literal keys itself now: drop the plugin.
    expect(ec2Bytes(without.metafile)).toBeGreaterThan(300_000);
    expect(ec2Bytes(withPlugin.metafile)).toBeLessThan(ec2Bytes(without.metafile) / 5);
    expect(without.code.length - withPlugin.code.length).toBeGreaterThan(300_000);
  });

  it('leaves a bundle that still serializes the request and parses the response of the command it uses', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleetpilot-schema-keys-'));
    try {
      writeFileSync(join(dir, 'bundle.mjs'), withPlugin.code);
      writeFileSync(join(dir, 'run.mjs'), RUNNER);
      const run = spawnSync(process.execPath, [join(dir, 'run.mjs')], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', HOME: dir, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      });

      expect(run.stderr).toBe('');
      const result = JSON.parse(run.stdout) as Record<string, string>;
      expect(result.sentBody).toContain('Action=DescribeInstances');
      expect(result.sentBody).toContain('InstanceId.1=i-0123456789abcdef0');
      expect(result).toMatchObject({ instanceId: 'i-0123456789abcdef0', ip: '10.0.1.23', state: 'running' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('replaces only computed keys whose constant is a string literal of the same file', () => {
    const source = [
      'const _xN = "xmlName";',
      'const _n = someCall();',
      'export var A$ = [3, n0, _A, 0, [_B], [[0, { [_xN]: _B, [_n]: 1 }]]];',
      'const pick = flag ? [_xN] : [];',
    ].join('\n');

    const { code, replaced } = inlineSchemaKeys(source);

    expect(replaced).toBe(1);
    expect(code).toContain('{ "xmlName": _B, [_n]: 1 }');
    expect(code).toContain('flag ? [_xN] : []');
  });
});
