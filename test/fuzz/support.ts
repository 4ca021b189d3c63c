import fc from 'fast-check';

/**
 * Shared settings of the fuzz suite. Every property runs `runs` cases (FUZZ_RUNS_SCALE multiplies them for a
 * longer local hunt); a failure prints its seed and shrunk path, and FUZZ_SEED / FUZZ_PATH replay it exactly.
 */
const scale = Number(process.env.FUZZ_RUNS_SCALE ?? '1');
const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const path = process.env.FUZZ_PATH;

export function fuzzParams<T>(runs: number): fc.Parameters<T> {
  return {
    numRuns: Math.max(1, Math.round(runs * scale)),
    ...(seed !== undefined ? { seed } : {}),
    ...(path !== undefined ? { path } : {}),
  };
}

/** JSON-shaped values of any kind, including the ones a hostile peer would pick (deep, odd numbers, long). */
export const anyJson = (): fc.Arbitrary<unknown> => fc.jsonValue({ maxDepth: 4 });

/** A string that is hex of `bytes` bytes, lowercase, 0x-prefixed. */
export const hexOf = (bytes: number): fc.Arbitrary<`0x${string}`> =>
  fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => `0x${Buffer.from(b).toString('hex')}` as `0x${string}`);

/** Texts a socket may deliver: arbitrary strings, JSON of arbitrary values, and JSON with a few bytes changed. */
export function hostileText(shaped: fc.Arbitrary<unknown> = anyJson()): fc.Arbitrary<string> {
  const json = shaped.map((value) => JSON.stringify(value) ?? 'null');
  return fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    json,
    fc.tuple(json, fc.nat(), fc.string({ maxLength: 3 })).map(([text, at, insert]) => text.slice(0, at % (text.length + 1)) + insert + text.slice(at % (text.length + 1))),
    fc.tuple(json, fc.nat()).map(([text, cut]) => text.slice(0, cut % (text.length + 1))),
  );
}
