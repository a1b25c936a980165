/**
 * Seeded pseudo-random numbers for the simulated account.
 *
 * Everything the account invents (instance ids, tokens, request ids, event ids, fault dice) comes from
 * here, so that one seed gives one run. Independent streams (`fork`) keep, for example, the fault dice
 * from shifting the ids of instances when a test adds a fault rule.
 */

/** Hash a string into a 32-bit seed (FNV-1a). */
const hashSeed = (text: string): number => {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
};

export class SeededRandom {
  private state: number;

  constructor(seed: number | string) {
    this.state = typeof seed === 'number' ? seed >>> 0 : hashSeed(seed);
    if (this.state === 0) this.state = 0x9e3779b9;
  }

  /** A float in [0, 1) (mulberry32). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, maxExclusive). */
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }

  /** True with the given probability (0..1). */
  chance(probability: number): boolean {
    if (probability <= 0) return false;
    if (probability >= 1) return true;
    return this.next() < probability;
  }

  /** `length` lowercase hex digits. */
  hex(length: number): string {
    let out = '';
    for (let index = 0; index < length; index++) out += this.int(16).toString(16);
    return out;
  }

  /** `length` characters from an alphabet. */
  chars(alphabet: string, length: number): string {
    let out = '';
    for (let index = 0; index < length; index++) out += alphabet.charAt(this.int(alphabet.length));
    return out;
  }

  /** An RFC 4122 version-4 shaped UUID. */
  uuid(): string {
    const variant = (8 + this.int(4)).toString(16);
    return `${this.hex(8)}-${this.hex(4)}-4${this.hex(3)}-${variant}${this.hex(3)}-${this.hex(12)}`;
  }

  /** A new independent stream derived from this seed and a label. */
  fork(label: string): SeededRandom {
    return new SeededRandom(hashSeed(`${this.state}:${label}`));
  }
}

export const createRandom = (seed: number | string): SeededRandom => new SeededRandom(seed);
