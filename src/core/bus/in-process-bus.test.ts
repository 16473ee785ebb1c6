import type { Bus } from './bus.ts';
import { describeBusContract } from './bus-contract.ts';
import { createInProcessBus } from './in-process.ts';
import { MemoryBroker } from './memory-transport.ts';

describeBusContract('in-process', async () => {
  const broker = new MemoryBroker();
  const buses: Bus[] = [];
  return {
    bus: async (opts = {}) => {
      const bus = createInProcessBus({ ...opts, broker });
      buses.push(bus);
      return bus;
    },
    cleanup: async () => {
      await Promise.all(buses.map((b) => b.close()));
    },
  };
});
