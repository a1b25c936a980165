import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { listZip, readZipEntry, writeZip } from '../../../scripts/bench/zip';

/**
 * A zip laid out by the book (APPNOTE.TXT 4.3): local headers, data, central directory, end record. CRC-32 fields stay
 * zero: the reader under test does not check them.
 */
function makeZip(files: { name: string; content: string; deflate: boolean }[], comment = ''): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const file of files) {
    const raw = Buffer.from(file.content);
    const data = file.deflate ? deflateRawSync(raw) : raw;
    const name = Buffer.from(file.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(file.deflate ? 8 : 0, 8);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(file.deflate ? 8 : 0, 10);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(Buffer.byteLength(comment), 20);
  return Buffer.concat([...locals, directory, end, Buffer.from(comment)]);
}

describe('minimal zip reader', () => {
  const zip = makeZip(
    [
      { name: 'fleetpilot.example.yml', content: 'region: eu-west-1\n', deflate: false },
      { name: 'functions/lifecycle/launch-handler.js', content: 'exports.handler = 1;\n'.repeat(50), deflate: true },
    ],
    'a trailing archive comment',
  );

  it('lists entries with their sizes from the central directory, past an archive comment', () => {
    const entries = listZip(zip);

    expect(entries.map((e) => [e.name, e.method, e.size])).toEqual([
      ['fleetpilot.example.yml', 0, 18],
      ['functions/lifecycle/launch-handler.js', 8, 1050],
    ]);
    expect(entries[1]?.compressedSize).toBeLessThan(1050);
  });

  it('reads stored and deflated entries back byte for byte', () => {
    const [yml, js] = listZip(zip);
    if (!yml || !js) throw new Error('expected two entries');

    expect(readZipEntry(zip, yml).toString()).toBe('region: eu-west-1\n');
    expect(readZipEntry(zip, js).toString()).toBe('exports.handler = 1;\n'.repeat(50));
  });

  it('says so when the buffer is not a zip', () => {
    expect(() => listZip(Buffer.from('not a zip at all, just text that is long enough'))).toThrow(/not a zip/);
  });
});

describe('minimal zip writer', () => {
  const files = [
    { name: '.fleetpilot/config.json', content: Buffer.from('{"region":"eu-west-1"}\n') },
    { name: 'functions/lifecycle/launch-handler.mjs', content: Buffer.from('export const handler = 1;\n'.repeat(80)) },
  ];

  it('writes deflated entries that the reader gets back byte for byte', () => {
    const zip = writeZip(files);
    const entries = listZip(zip);

    expect(entries.map((e) => [e.name, e.method, e.size])).toEqual(files.map((f) => [f.name, 8, f.content.length]));
    expect(entries.map((e) => readZipEntry(zip, e).toString())).toEqual(files.map((f) => f.content.toString()));
    expect(zip.length).toBeLessThan(files.reduce((sum, f) => sum + f.content.length, 0));
  });

  it('writes a zip that Info-ZIP unzip tests clean, CRC-32 included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleetpilot-zip-'));
    try {
      const path = join(dir, 'fn.zip');
      writeFileSync(path, writeZip(files));
      const check = spawnSync('unzip', ['-t', path], { encoding: 'utf8' });

      expect(check.status).toBe(0);
      expect(check.stdout).toContain('No errors detected');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
