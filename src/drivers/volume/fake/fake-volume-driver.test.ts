import { describeVolumeDriverContract } from '../../../services/block-storage/test/volume-driver-contract.ts';
import { FakeVolumeDriver } from './fake-volume-driver.ts';

describeVolumeDriverContract('fake', async () => ({
  driver: new FakeVolumeDriver('fake'),
  close: async () => {},
}));
