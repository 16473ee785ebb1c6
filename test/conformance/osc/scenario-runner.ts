/** A failed expectation inside a step. */
export class StepFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepFailure';
  }
}

export function expect(condition: boolean, message: string): asserts condition {
  if (!condition) throw new StepFailure(message);
}

/** A value an earlier step should have produced; a clear failure when it did not. */
export function need<T>(value: T | undefined, what: string): T {
  if (value === undefined)
    throw new StepFailure(`needs ${what}, which an earlier step did not produce`);
  return value;
}

export interface CleanupHandle {
  /** The scenario deleted the resource itself: nothing left to clean up. */
  done(): void;
}

interface Cleanup {
  name: string;
  run: () => Promise<unknown>;
  pending: boolean;
}

export interface ScenarioSummary {
  passed: number;
  failed: number;
  /** Steps not run because the cloud lacks what they test (never counted as passed). */
  skipped: number;
}

/**
 * Runs named steps, printing `PASS name (seconds)` or `FAIL name` with the reason, and
 * keeps what the steps created so it can be removed however the scenario ends.
 */
export class ScenarioRunner {
  private passed = 0;
  private failed = 0;
  private skipped = 0;
  private readonly cleanups: Cleanup[] = [];
  private stopReason: string | null = null;

  constructor(private readonly print: (line: string) => void) {}

  /**
   * Runs one step; a thrown error fails it, anything else passes it. The optional string
   * a step returns is shown after its name. Returns whether it passed.
   */
  async step(name: string, body: () => Promise<string | void>): Promise<boolean> {
    if (this.stopReason !== null) return false;
    const started = performance.now();
    try {
      const detail = await body();
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      this.passed++;
      this.print(`PASS ${name}${detail ? ` — ${detail}` : ''} (${seconds}s)`);
      return true;
    } catch (err) {
      this.failed++;
      this.print(`FAIL ${name}`);
      for (const line of String((err as Error).message ?? err)
        .split('\n')
        .slice(0, 6)) {
        this.print(`     ! ${line}`);
      }
      return false;
    }
  }

  /** A step the cloud cannot run (e.g. no backup service): printed and counted apart. */
  skip(name: string, reason: string): void {
    if (this.stopReason !== null) return;
    this.skipped++;
    this.print(`SKIP ${name} — ${reason}`);
  }

  /** Steps after this one are not run (and not counted); clean-up still runs. */
  stop(reason: string): void {
    if (this.stopReason === null) this.print(`STOP ${reason}: remaining steps not run`);
    this.stopReason ??= reason;
  }

  get stopped(): string | null {
    return this.stopReason;
  }

  /** Registers how to remove something just created; the last registered runs first. */
  created(name: string, run: () => Promise<unknown>): CleanupHandle {
    const cleanup: Cleanup = { name, run, pending: true };
    this.cleanups.push(cleanup);
    return {
      done: () => {
        cleanup.pending = false;
      },
    };
  }

  /**
   * Removes what is still pending (after failed or skipped delete steps), newest first.
   * Returns the names it could not remove.
   */
  async cleanUp(): Promise<string[]> {
    const leftovers: string[] = [];
    for (const cleanup of [...this.cleanups].reverse()) {
      if (!cleanup.pending) continue;
      try {
        await cleanup.run();
        cleanup.pending = false;
        this.print(`cleanup: removed ${cleanup.name}`);
      } catch (err) {
        leftovers.push(cleanup.name);
        this.print(`cleanup: could not remove ${cleanup.name}: ${(err as Error).message}`);
      }
    }
    return leftovers;
  }

  summary(): ScenarioSummary {
    return { passed: this.passed, failed: this.failed, skipped: this.skipped };
  }
}
