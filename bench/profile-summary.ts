// Prints where a strata CPU profile spends its time:
//   node --import tsx bench/profile-summary.ts <file.cpuprofile> [--top N] [--filter SUBSTRING]
// Profiles come from `npm run bench -- --strata-cpu-prof DIR`. Lines of .ts files are mapped
// back to the source through tsx's transpile cache when it still holds them.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { summarizeProfile, type CpuProfile } from './lib/cpu-profile-summary.ts';
import { tsxCacheLocator } from './lib/tsx-source-maps.ts';

const { values, positionals } = parseArgs({
  options: { top: { type: 'string', default: '25' }, filter: { type: 'string' } },
  allowPositionals: true,
});
if (positionals.length !== 1) {
  process.stderr.write(
    'usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [--top N] [--filter SUBSTRING]\n',
  );
  process.exit(2);
}
const summary = summarizeProfile(
  JSON.parse(fs.readFileSync(positionals[0]!, 'utf8')) as CpuProfile,
  tsxCacheLocator(),
);
const top = Number(values.top);
const busy = summary.sampledMs - summary.idleMs;
const pct = (ms: number) => `${((ms / busy) * 100).toFixed(1).padStart(5)}%`;
const shown = (
  values.filter
    ? summary.functions.filter((f) => f.url.includes(values.filter!))
    : summary.functions
).filter((f) => f.functionName !== '(idle)');
const shorten = (frame: string) =>
  frame.replace(/file:\/\/\/[^ ]*?\/(src|node_modules|bench)\//, '$1/');
process.stdout.write(
  `sampled ${(summary.sampledMs / 1000).toFixed(1)} s, busy ${(busy / 1000).toFixed(1)} s (percentages of busy time)\n\n`,
);
process.stdout.write('self            total           function\n');
for (const f of shown.slice(0, top)) {
  process.stdout.write(
    `${pct(f.selfMs)} ${f.selfMs.toFixed(0).padStart(7)}ms ${pct(f.totalMs)} ${f.totalMs.toFixed(0).padStart(7)}ms  ${shorten(f.frame)}\n`,
  );
}
process.stdout.write('\nby total time\n');
for (const f of [...shown].sort((a, b) => b.totalMs - a.totalMs).slice(0, top)) {
  process.stdout.write(
    `${pct(f.selfMs)} ${f.selfMs.toFixed(0).padStart(7)}ms ${pct(f.totalMs)} ${f.totalMs.toFixed(0).padStart(7)}ms  ${shorten(f.frame)}\n`,
  );
}
