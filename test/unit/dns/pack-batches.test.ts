import type { DnsChange } from '../../../shared/dns/request';
import { MAX_RECORDS_PER_BATCH, MAX_VALUE_CHARS_PER_BATCH, packBatches } from '../../../shared/dns/writer';

const ZONE = 'Z0123456789ABCDEFGHIJ';

function change(action: DnsChange['action'], name: string, values: string[], type: DnsChange['type'] = 'A'): DnsChange {
  return { action, zoneId: ZONE, name, type, ttl: 60, values };
}

const entries = (changes: DnsChange[]) => changes.map((c, request) => ({ request, change: c }));

/** ResourceRecord elements and value characters of a batch, counted as Route 53 counts them (UPSERT twice). */
function weigh(batch: { change: DnsChange }[]) {
  let records = 0;
  let chars = 0;
  for (const { change: c } of batch) {
    const times = c.action === 'UPSERT' ? 2 : 1;
    records += c.values.length * times;
    chars += c.values.join('').length * times;
  }
  return { records, chars };
}

describe('packBatches (Route 53 change batch quotas)', () => {
  it('puts 1,000 single-value DELETEs in one batch and the 1,001st in the next', () => {
    const deletes = Array.from({ length: 1001 }, (_, i) => change('DELETE', `d${i}.example.com`, ['10.0.0.1']));

    const batches = packBatches(entries(deletes));

    expect(batches.map((b) => b.length)).toEqual([1000, 1]);
    expect(MAX_RECORDS_PER_BATCH).toBe(1000);
  });

  it('counts an UPSERT twice: 500 single-value UPSERTs fill a batch', () => {
    const upserts = Array.from({ length: 501 }, (_, i) => change('UPSERT', `u${i}.example.com`, ['10.0.0.1']));

    const batches = packBatches(entries(upserts));

    expect(batches.map((b) => b.length)).toEqual([500, 1]);
    expect(batches.map((b) => weigh(b).records)).toEqual([1000, 2]);
  });

  it('keeps every batch within 32,000 value characters, UPSERT values counted twice', () => {
    const long = 'x'.repeat(4000);
    const upserts = Array.from({ length: 5 }, (_, i) => change('UPSERT', `t${i}.example.com`, [long], 'TXT'));
    const deletes = Array.from({ length: 9 }, (_, i) => change('DELETE', `d${i}.example.com`, [long], 'TXT'));

    const upsertBatches = packBatches(entries(upserts));
    const deleteBatches = packBatches(entries(deletes));

    // 4 × 4,000 × 2 = 32,000: four UPSERTs fit, the fifth does not; eight DELETEs fit, the ninth does not.
    expect(upsertBatches.map((b) => b.length)).toEqual([4, 1]);
    expect(deleteBatches.map((b) => b.length)).toEqual([8, 1]);
    for (const b of [...upsertBatches, ...deleteBatches]) {
      expect(weigh(b).chars).toBeLessThanOrEqual(MAX_VALUE_CHARS_PER_BATCH);
    }
  });

  it('never puts the same name and type twice in a batch, and keeps the order of the changes to one name', () => {
    const changes = [
      change('UPSERT', 'a.example.com', ['10.0.0.1']),
      change('UPSERT', 'b.example.com', ['10.0.0.2']),
      change('DELETE', 'A.example.com.', ['10.0.0.1']), // same record: names are case-insensitive, trailing dot optional
      change('UPSERT', 'c.example.com', ['10.0.0.3']),
      change('UPSERT', 'a.example.com', ['10.0.0.9']),
      change('UPSERT', 'a.example.com', ['10.0.0.9'], 'TXT'), // another type: may share a batch
    ];

    const batches = packBatches(entries(changes));

    for (const b of batches) {
      const keys = b.map((e) => `${e.change.name.toLowerCase().replace(/\.$/, '')}|${e.change.type}`);
      expect(new Set(keys).size).toBe(keys.length);
    }
    const orderOfA = batches
      .flatMap((b, i) => b.map((e) => ({ i, e })))
      .filter(({ e }) => e.change.type === 'A' && e.change.name.toLowerCase().startsWith('a.'))
      .sort((x, y) => x.i - y.i)
      .map(({ e }) => e.request);
    expect(orderOfA).toEqual([0, 2, 4]);
    expect(batches).toHaveLength(3);
    expect(batches.flat()).toHaveLength(changes.length);
    // b, c and the TXT record do not wait for a's later changes: they go into the first batch.
    expect(batches[0]?.map((e) => e.request)).toEqual([0, 1, 3, 5]);
  });
});
