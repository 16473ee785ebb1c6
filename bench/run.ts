// `npm run bench`: every benchmark in turn, each writing its JSON under bench/results/ and its
// page under docs/benchmarks/; `npm run bench -- <name> [options]` runs one (see bench/select.ts).
import { runIdentityBench } from './identity/run-identity.ts';
import { runImageBench } from './image/image-bench.ts';
import { runVolumeBench } from './volume/volume-bench.ts';
import { selectBenchmarks, SelectionError, benchmarkNames, type BenchmarkName } from './select.ts';

const runners: Record<BenchmarkName, (argv: readonly string[]) => Promise<number>> = {
  'identity-tokens': runIdentityBench,
  'image-data': runImageBench,
  'volume-rate': runVolumeBench,
};

async function main(): Promise<number> {
  let selection;
  try {
    selection = selectBenchmarks(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof SelectionError)) throw err;
    process.stderr.write(
      `bench: ${err.message}\nUsage: npm run bench [-- <${benchmarkNames.join('|')}>[,...] [options]]\n` +
        '       npm run bench -- <name> --help   (the options of one benchmark)\n',
    );
    return 2;
  }
  let worst = 0;
  for (const name of selection.benchmarks) {
    process.stderr.write(`bench: === ${name}\n`);
    const code = await runners[name](selection.args);
    worst = Math.max(worst, code);
  }
  return worst;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
