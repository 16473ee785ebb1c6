import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The import layers of DESIGN.md (core never imports services or drivers; services reach
// each other only through client.ts; drivers only through a service's drivers.ts), checked
// with the same lint rule `npm run lint` enforces, over the whole source tree.
describe('architecture: import layers', () => {
  it('no file under src/ breaks the layering rule', async () => {
    const root = path.resolve(import.meta.dirname, '../..');
    const eslint = new ESLint({ cwd: root, ruleFilter: ({ ruleId }) => ruleId === 'strata/layering' });
    const results = await eslint.lintFiles(['src/**/*.ts']);
    const problems = results.flatMap((r) =>
      r.messages.filter((m) => m.ruleId === 'strata/layering').map((m) => `${path.relative(root, r.filePath)}:${m.line} ${m.message}`),
    );
    expect(problems).toEqual([]);
  }, 120_000);
});
