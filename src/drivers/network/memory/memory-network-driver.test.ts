import { describeNetworkDriverContract } from '../../../services/network/test/network-driver-contract.ts';
import { MemoryNetworkDriver } from './memory-network-driver.ts';

describeNetworkDriverContract('memory', async () => ({ driver: new MemoryNetworkDriver(), close: async () => {} }));
