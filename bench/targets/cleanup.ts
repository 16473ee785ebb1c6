/** A cleanup step; `sync` is the best effort used when the process is exiting right now. */
export interface CleanupStep {
  readonly name: string;
  run(): Promise<void>;
  runSync(): void;
}

/**
 * Stops what a benchmark started, last started first, exactly once, whether the run ends
 * normally, throws, or is interrupted (SIGINT/SIGTERM/SIGHUP). Servers under test are child
 * processes or daemons, so forgetting them would leave load on a shared machine.
 */
export class CleanupStack {
  readonly #steps: CleanupStep[] = [];
  #installed = false;
  readonly #onExit = () => this.runAllSync();

  push(step: CleanupStep): void {
    this.#steps.push(step);
    this.#install();
  }

  async runAll(): Promise<void> {
    while (this.#steps.length) {
      const step = this.#steps.pop()!;
      try {
        await step.run();
      } catch (err) {
        process.stderr.write(`bench: cleanup of ${step.name} failed: ${(err as Error).message}\n`);
      }
    }
  }

  runAllSync(): void {
    while (this.#steps.length) {
      const step = this.#steps.pop()!;
      try {
        step.runSync();
      } catch {
        // exiting anyway; nothing better to do than try the next step
      }
    }
  }

  #install(): void {
    if (this.#installed) return;
    this.#installed = true;
    process.on('exit', this.#onExit);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(signal, () => {
        process.stderr.write(`\nbench: ${signal}, stopping the servers under test\n`);
        void this.runAll().finally(() => process.exit(130));
      });
    }
  }
}
