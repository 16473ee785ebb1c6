import { describe, expect, it } from 'vitest';
import { summarizeProfile, type CpuProfile } from './cpu-profile-summary.ts';

const frame = (functionName: string, url: string, lineNumber: number) => ({
  functionName,
  url,
  lineNumber,
  columnNumber: 0,
});

// root -> handler -> query, and root -> (idle); handler recurses into itself once.
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)', '', -1), children: [2, 5] },
    { id: 2, callFrame: frame('handler', 'file:///app/routes.ts', 9), children: [3, 4] },
    { id: 3, callFrame: frame('query', 'file:///app/db.ts', 19) },
    { id: 4, callFrame: frame('handler', 'file:///app/routes.ts', 9), children: [6] },
    { id: 5, callFrame: frame('(idle)', '', -1) },
    { id: 6, callFrame: frame('query', 'file:///app/db.ts', 19) },
  ],
  samples: [3, 3, 2, 5, 6],
  timeDeltas: [1000, 1000, 1000, 4000, 1000],
};

describe('summarizeProfile', () => {
  it('attributes self time to the top frame and total time once per sample up the stack', () => {
    const s = summarizeProfile(profile);
    expect(s.sampledMs).toBe(8);
    expect(s.idleMs).toBe(4);
    const byName = new Map(s.functions.map((f) => [f.frame, f]));
    expect(byName.get('query (file:///app/db.ts:20)')).toMatchObject({
      selfMs: 3,
      totalMs: 3,
      line: 20,
    });
    // the recursive handler frame is counted once for the sample at node 6
    expect(byName.get('handler (file:///app/routes.ts:10)')).toMatchObject({
      selfMs: 1,
      totalMs: 4,
    });
    expect(s.functions[0]!.functionName).toBe('(idle)');
  });

  it('reports source lines when a locator maps the positions', () => {
    const s = summarizeProfile(profile, (url, line0) =>
      url.endsWith('db.ts') ? { url, line: line0 * 10 } : undefined,
    );
    expect(s.functions.find((f) => f.functionName === 'query')).toMatchObject({
      line: 190,
      frame: 'query (file:///app/db.ts:190)',
    });
    expect(s.functions.find((f) => f.functionName === 'handler')!.line).toBe(10);
  });
});
