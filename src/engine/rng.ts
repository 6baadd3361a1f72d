/**
 * Host-side seeded random numbers (xoshiro128**, seeded by splitmix32). Used for data batches, noise and times:
 * cheap to draw in JS, and its whole state is four uint32s, so a checkpoint can store it and a resumed run draws
 * exactly the numbers the uninterrupted run would have drawn.
 */
export class Rng {
  private s: Uint32Array;

  constructor(seed: number | Uint32Array | readonly number[] = 0) {
    if (typeof seed === "number") {
      this.s = new Uint32Array(4);
      let z = seed >>> 0;
      for (let i = 0; i < 4; i++) {
        // splitmix32
        z = (z + 0x9e3779b9) >>> 0;
        let r = z;
        r = Math.imul(r ^ (r >>> 16), 0x85ebca6b) >>> 0;
        r = Math.imul(r ^ (r >>> 13), 0xc2b2ae35) >>> 0;
        this.s[i] = (r ^ (r >>> 16)) >>> 0;
      }
      if (this.s.every((v) => v === 0)) this.s[0] = 1;
    } else {
      if (seed.length !== 4) throw new Error("Rng state must be 4 uint32 values");
      this.s = Uint32Array.from(seed);
    }
  }

  /** The full generator state (copy); `new Rng(state)` resumes the stream exactly. */
  state(): number[] {
    return Array.from(this.s);
  }

  /** A uniform uint32. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Box–Muller; 1 − u keeps the log argument in (0, 1]). */
  normal(): number {
    const u = 1 - this.uniform();
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** `n` standard normals. */
  normals(n: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normal();
    return out;
  }

  /** An independent generator derived from this one (advances this stream by four draws). */
  fork(): Rng {
    return new Rng([this.nextUint32(), this.nextUint32(), this.nextUint32(), this.nextUint32() | 1]);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
