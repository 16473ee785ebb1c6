/**
 * Health checks: each dependency a process needs (its database, the bus) registers a probe;
 * /healthcheck answers 200 when all pass and 503 naming the failing ones otherwise.
 */
export type HealthProbe = () => Promise<void>;

export interface HealthReport {
  status: 'ok' | 'failing';
  checks: Record<string, { ok: boolean; error?: string }>;
}

export class HealthRegistry {
  private readonly probes = new Map<string, HealthProbe>();

  register(name: string, probe: HealthProbe): void {
    this.probes.set(name, probe);
  }

  async check(timeoutMs = 5000): Promise<HealthReport> {
    const checks: HealthReport['checks'] = {};
    await Promise.all(
      [...this.probes].map(async ([name, probe]) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            probe(),
            new Promise((_, reject) => {
              timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
            }),
          ]);
          checks[name] = { ok: true };
        } catch (err) {
          checks[name] = { ok: false, error: (err as Error).message };
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    const ok = Object.values(checks).every((c) => c.ok);
    return { status: ok ? 'ok' : 'failing', checks };
  }
}
