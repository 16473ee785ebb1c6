export * from './bus.ts';
export * from './errors.ts';
export * from './message.ts';
export * from './in-process.ts';
export { MemoryBroker } from './memory-transport.ts';
export type { BusOptions } from './rpc-bus.ts';
