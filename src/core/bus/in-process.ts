import type { Bus } from './bus.ts';
import { MemoryBroker, MemoryTransport } from './memory-transport.ts';
import { RpcBus, type BusOptions } from './rpc-bus.ts';

export interface InProcessBusOptions extends BusOptions {
  /** Share one broker between buses (components of one process); a private one when absent. */
  readonly broker?: MemoryBroker;
  /** Deliveries handled at once per consumer. */
  readonly prefetch?: number;
  /** How long close() waits for handlers in progress. */
  readonly shutdownGraceMs?: number;
}

/** The embedded default: the bus semantics over an in-memory broker. */
export function createInProcessBus(opts: InProcessBusOptions = {}): Bus {
  const transport = new MemoryTransport({
    broker: opts.broker ?? new MemoryBroker(),
    ...(opts.prefetch === undefined ? {} : { prefetch: opts.prefetch }),
    ...(opts.shutdownGraceMs === undefined ? {} : { shutdownGraceMs: opts.shutdownGraceMs }),
  });
  return new RpcBus(transport, opts);
}
