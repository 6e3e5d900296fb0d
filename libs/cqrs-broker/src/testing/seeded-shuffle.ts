/** A fresh seed for a shuffle, reported so the same order can be run again. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 32);
}

/** A copy of `items` in an order drawn from `seed` (Fisher–Yates over a 32-bit xorshift generator): the same seed gives the same order. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0 || 0x9e3779b9;
  const next = () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 2 ** 32;
  };
  const result = [...items];
  for (let i = result.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [result[i], result[j]] = [result[j], result[i]];
  }
  return result;
}
