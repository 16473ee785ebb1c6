// The network service's functional tests need its in-memory data plane, and services/ may not
// import drivers/ (cli/drivers.ts wires it in a running cloud). Like test-cloud.ts, this
// support module sits outside src/ and bridges the layers for tests only.
export { MemoryNetworkDriver } from '../../src/drivers/network/memory/memory-network-driver.ts';
