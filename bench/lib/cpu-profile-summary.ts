export interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  /** 0-based, in the code V8 ran. */
  readonly lineNumber: number;
  readonly columnNumber: number;
}

/** Maps a position in the code V8 ran back to the source file, 1-based line; undefined if unknown. */
export type SourceLocator = (
  url: string,
  line0: number,
  column0: number,
) => { readonly url: string; readonly line: number } | undefined;

/** The parts of a V8 `.cpuprofile` (what `node --cpu-prof` writes) that a summary needs. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: CallFrame;
    readonly children?: readonly number[];
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface FunctionCost {
  /** `name (file:line)`, line 1-based, in the source when a locator mapped it. */
  readonly frame: string;
  readonly functionName: string;
  readonly url: string;
  readonly line: number;
  /** Time with this function on top of the stack, ms. */
  readonly selfMs: number;
  /** Time with this function anywhere on the stack (counted once per sample), ms. */
  readonly totalMs: number;
}

export interface ProfileSummary {
  readonly sampledMs: number;
  /** Sampled time outside JavaScript and GC, i.e. waiting for I/O. */
  readonly idleMs: number;
  readonly functions: readonly FunctionCost[];
}

/** Self and total time per function (by name and location), most expensive first by self time. */
export function summarizeProfile(profile: CpuProfile, locate?: SourceLocator): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const costs = new Map<
    string,
    { functionName: string; url: string; line: number; selfMs: number; totalMs: number }
  >();
  const located = new Map<CallFrame, { url: string; line: number }>();
  const where = (f: CallFrame) => {
    let at = located.get(f);
    if (!at) {
      at = (f.url && locate?.(f.url, f.lineNumber, f.columnNumber)) || {
        url: f.url,
        line: f.lineNumber + 1,
      };
      located.set(f, at);
    }
    return at;
  };
  const cost = (f: CallFrame) => {
    const { url, line } = where(f);
    const functionName = f.functionName || '(anonymous)';
    const key = `${functionName} (${url || 'native'}:${line})`;
    let c = costs.get(key);
    if (!c) {
      c = { functionName, url, line, selfMs: 0, totalMs: 0 };
      costs.set(key, c);
    }
    return [key, c] as const;
  };
  let sampledMs = 0;
  let idleMs = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    sampledMs += ms;
    const node = byId.get(id);
    if (!node) return;
    if (node.callFrame.functionName === '(idle)') idleMs += ms;
    cost(node.callFrame)[1].selfMs += ms;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const [key, c] = cost(byId.get(at)!.callFrame);
      if (seen.has(key)) continue;
      seen.add(key);
      c.totalMs += ms;
    }
  });
  const functions = [...costs.entries()]
    .map(([frame, c]) => ({ frame, ...c }))
    .sort((a, b) => b.selfMs - a.selfMs);
  return { sampledMs, idleMs, functions };
}
