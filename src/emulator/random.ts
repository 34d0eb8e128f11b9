/**
 * A small seeded pseudo-random generator (mulberry32). Faults are rolled from it, so a failing test
 * or CI run can be replayed exactly by giving the emulator the same seed. Not for anything secret.
 */

export interface Random {
  /** A number in [0, 1). */
  next(): number;
  /** True with the given probability (0..1). Always consumes one draw, so decisions stay aligned. */
  chance(probability: number): boolean;
}

/** mulberry32: 32-bit state, good enough spread for fault rolls, trivially reproducible. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    chance(probability: number): boolean {
      const roll = next();
      return roll < probability;
    },
  };
}

/** Derives an independent stream from one user-given seed (request faults vs callback faults). */
export function deriveSeed(seed: number, stream: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(stream, 0x85ebca6b)) >>> 0;
}
