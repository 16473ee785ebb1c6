/** What one operation of a load run reports back. */
export type OperationOutcome =
  { readonly ok: true } | { readonly ok: false; readonly kind: string };

/** One operation; `seq` is a run-wide counter, e.g. for round-robin over a token pool. */
export type Operation = (seq: number) => Promise<OperationOutcome>;

export interface LoadRunResult {
  /** Wall time from the first request to the last response, in ms. */
  readonly elapsedMs: number;
  readonly ok: number;
  readonly errors: number;
  /** Error count by kind (`HTTP 500`, `ECONNRESET` ...). */
  readonly errorKinds: Readonly<Record<string, number>>;
  /** Latency of every successful operation, in ms. */
  readonly latenciesMs: Float64Array;
}

function errorKind(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Closed-loop load: `concurrency` workers each send the next request as soon as the
 * previous one has answered, until `durationMs` has passed; requests already in flight at
 * the deadline are awaited and counted. A thrown error counts as a failed operation.
 */
export async function runClosedLoop(opts: {
  readonly concurrency: number;
  readonly durationMs: number;
  readonly operation: Operation;
  /** Latency slots allocated up front; the buffer doubles when full. */
  readonly initialCapacity?: number;
}): Promise<LoadRunResult> {
  let latencies = new Float64Array(opts.initialCapacity ?? 65_536);
  let ok = 0;
  let errors = 0;
  let seq = 0;
  const errorKinds: Record<string, number> = {};
  const fail = (kind: string) => {
    errors++;
    errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
  };
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(Math.round(opts.durationMs * 1e6));

  const worker = async () => {
    while (process.hrtime.bigint() < deadline) {
      const t0 = process.hrtime.bigint();
      let outcome: OperationOutcome;
      try {
        outcome = await opts.operation(seq++);
      } catch (err) {
        outcome = { ok: false, kind: errorKind(err) };
      }
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (!outcome.ok) {
        fail(outcome.kind);
        continue;
      }
      if (ok === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[ok++] = ms;
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return {
    elapsedMs: Number(process.hrtime.bigint() - started) / 1e6,
    ok,
    errors,
    errorKinds,
    latenciesMs: latencies.slice(0, ok),
  };
}
