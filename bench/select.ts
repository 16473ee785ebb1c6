/** The benchmarks `npm run bench` knows, in the order a bare `npm run bench` runs them. */
export const benchmarkNames = ['identity-tokens', 'image-data', 'volume-rate'] as const;
export type BenchmarkName = (typeof benchmarkNames)[number];

const aliases: Readonly<Record<string, BenchmarkName>> = {
  identity: 'identity-tokens',
  'identity-tokens': 'identity-tokens',
  image: 'image-data',
  'image-data': 'image-data',
  volume: 'volume-rate',
  'volume-rate': 'volume-rate',
};

export interface Selection {
  readonly benchmarks: readonly BenchmarkName[];
  /** Arguments for the selected benchmark's own option parser. */
  readonly args: readonly string[];
}

export class SelectionError extends Error {}

/**
 * `npm run bench` runs every benchmark with its defaults; `npm run bench -- image-data --sizes 256`
 * runs one with its options; options without a name go to the identity benchmark, which is
 * how it was run before the others existed (`npm run bench -- --no-keystone`).
 */
export function selectBenchmarks(argv: readonly string[]): Selection {
  const [first, ...rest] = argv;
  if (first === undefined) return { benchmarks: benchmarkNames, args: [] };
  if (first.startsWith('-')) return { benchmarks: ['identity-tokens'], args: argv };
  const names = first.split(',').map((n) => n.trim()).filter(Boolean);
  const picked: BenchmarkName[] = [];
  for (const n of names) {
    const b = aliases[n];
    if (!b) throw new SelectionError(`unknown benchmark "${n}" (known: ${benchmarkNames.join(', ')})`);
    if (!picked.includes(b)) picked.push(b);
  }
  if (!picked.length) throw new SelectionError('no benchmark named');
  if (picked.length > 1 && rest.length)
    throw new SelectionError('options apply to one benchmark at a time; name only one with options');
  return { benchmarks: picked, args: rest };
}
