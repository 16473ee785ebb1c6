import { toDbTime } from '../../core/db/index.ts';
import type { Logger } from '../../core/observability/index.ts';
import type { ImageDb } from './store/tables.ts';

/**
 * The uploads and stages this worker is streaming right now. Each one is marked on its image
 * row (`op_worker`, set together with the status change that starts it); a timer renews
 * `op_heartbeat` on all of them, so another worker can tell a live operation from one whose
 * worker died (recovery.ts).
 */
export class Operations {
  readonly #active = new Set<string>();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: ImageDb,
    readonly workerId: string,
    readonly heartbeatMs: number,
    private readonly logger: Logger,
  ) {}

  /** How long an operation may go without a heartbeat before it counts as abandoned. */
  get staleAfterMs(): number {
    return this.heartbeatMs * 3;
  }

  begin(imageId: string): void {
    this.#active.add(imageId);
  }

  end(imageId: string): void {
    this.#active.delete(imageId);
  }

  isActive(imageId: string): boolean {
    return this.#active.has(imageId);
  }

  start(): void {
    this.#timer = setInterval(() => {
      this.beat().catch((err: unknown) => this.logger.warn({ err }, 'image operation heartbeat failed'));
    }, this.heartbeatMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async beat(): Promise<void> {
    if (this.#active.size === 0) return;
    await this.db
      .updateTable('image_image')
      .set({ op_heartbeat: toDbTime(new Date()) })
      .where('op_worker', '=', this.workerId)
      .where('id', 'in', [...this.#active])
      .execute();
  }
}
