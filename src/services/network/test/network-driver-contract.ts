import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogicalSwitchPortSpec, LogicalSwitchSpec, NetworkDriver } from '../drivers.ts';

/** How a contract run gets a fresh driver on an empty backend, and gives it back. */
export type DriverFactory = () => Promise<{ driver: NetworkDriver; close: () => Promise<void> }>;

const NET = '5a1f7c2e-0000-4000-8000-000000000001';
const PORT = '5a1f7c2e-0000-4000-8000-0000000000a1';

const ls = (revision: number, over: Partial<LogicalSwitchSpec> = {}): LogicalSwitchSpec => ({
  networkId: NET,
  revision,
  name: 'net1',
  projectId: 'p1',
  adminStateUp: true,
  mtu: 1442,
  networkType: 'geneve',
  physicalNetwork: null,
  segmentationId: 17,
  external: false,
  portSecurityEnabled: true,
  ...over,
});

const lsp = (revision: number, over: Partial<LogicalSwitchPortSpec> = {}): LogicalSwitchPortSpec => ({
  portId: PORT,
  networkId: NET,
  revision,
  name: 'p',
  projectId: 'p1',
  macAddress: 'fa:16:3e:00:00:01',
  ipAddresses: ['10.0.0.5'],
  adminStateUp: true,
  portSecurity: ['fa:16:3e:00:00:01 10.0.0.5'],
  deviceOwner: '',
  deviceId: '',
  hostId: '',
  dhcpSubnetIds: [],
  securityGroupIds: [],
  ...over,
});

/**
 * What every network driver does, whatever its backend: idempotent syncs stamped with
 * revisions (an older revision never wins), deletes of absent rows succeed, children need
 * their parents, a switch takes its ports with it, and the inventory reports revisions.
 */
export function describeNetworkDriverContract(name: string, factory: DriverFactory): void {
  describe(`network driver contract: ${name}`, () => {
    let driver: NetworkDriver;
    let close: () => Promise<void>;
    beforeEach(async () => {
      ({ driver, close } = await factory());
      await driver.start();
    });
    afterEach(async () => {
      await driver.stop();
      await close();
    });

    it('creates, updates and keeps a switch idempotently, refusing older revisions', async () => {
      expect(await driver.syncLogicalSwitch(ls(1))).toBe('created');
      expect(await driver.syncLogicalSwitch(ls(1))).toBe('unchanged');
      expect(await driver.syncLogicalSwitch(ls(2, { name: 'renamed' }))).toBe('updated');
      expect(await driver.syncLogicalSwitch(ls(1, { name: 'old' }))).toBe('stale');
      expect((await driver.revisions()).logical_switch.get(NET)).toBe(2);
    });

    it('needs the switch before its port, and deleting the switch removes its ports', async () => {
      await expect(driver.syncLogicalSwitchPort(lsp(1))).rejects.toThrow();
      await driver.syncLogicalSwitch(ls(1));
      expect(await driver.syncLogicalSwitchPort(lsp(1))).toBe('created');
      expect((await driver.revisions()).logical_switch_port.get(PORT)).toBe(1);
      await driver.deleteLogicalSwitch(NET);
      const revs = await driver.revisions();
      expect(revs.logical_switch.has(NET)).toBe(false);
      expect(revs.logical_switch_port.has(PORT)).toBe(false);
      await driver.deleteLogicalSwitch(NET);
      await driver.deleteLogicalSwitchPort(NET, PORT);
    });

    it('reports a port up once bound to a host and down when deleted', async () => {
      const seen: Array<[string, boolean]> = [];
      const off = driver.onPortStatus((id, up) => seen.push([id, up]));
      await driver.syncLogicalSwitch(ls(1));
      await driver.syncLogicalSwitchPort(lsp(1));
      await driver.syncLogicalSwitchPort(lsp(2, { hostId: 'compute-1' }));
      await expect.poll(() => seen, { timeout: 30_000 }).toContainEqual([PORT, true]);
      await driver.deleteLogicalSwitchPort(NET, PORT);
      await expect.poll(() => seen, { timeout: 30_000 }).toContainEqual([PORT, false]);
      off();
    });

    it('keeps DHCP options per subnet with revisions', async () => {
      const spec = { subnetId: 's1', networkId: NET, revision: 3, cidr: '10.0.0.0/24', ipVersion: 4 as const, options: { router: '10.0.0.1' } };
      expect(await driver.syncDhcpOptions(spec)).toBe('created');
      expect(await driver.syncDhcpOptions({ ...spec, revision: 2 })).toBe('stale');
      expect((await driver.revisions()).dhcp_options.get('s1')).toBe(3);
      await driver.deleteDhcpOptions('s1');
      expect((await driver.revisions()).dhcp_options.has('s1')).toBe(false);
    });

    it('keeps port groups with their rules, needs them before member ports, and drops memberships with the group', async () => {
      const SG = '5a1f7c2e-0000-4000-8000-0000000000c1';
      const rule = { ruleId: 'r1', direction: 'ingress' as const, ethertype: 'IPv4' as const, protocol: '6', portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: '0.0.0.0/0', remoteGroupId: null };
      const pg = { securityGroupId: SG, revision: 1, name: 'web', projectId: 'p1', stateful: true, rules: [rule] };
      await driver.syncLogicalSwitch(ls(1));
      await expect(driver.syncLogicalSwitchPort(lsp(1, { securityGroupIds: [SG] }))).rejects.toThrow();
      expect(await driver.syncPortGroup(pg)).toBe('created');
      expect(await driver.syncPortGroup({ ...pg, revision: 2, rules: [] })).toBe('updated');
      expect(await driver.syncPortGroup({ ...pg, revision: 1 })).toBe('stale');
      expect(await driver.syncLogicalSwitchPort(lsp(1, { securityGroupIds: [SG] }))).toBe('created');
      expect(await driver.portGroupMembers(SG)).toEqual([PORT]);
      await driver.syncLogicalSwitchPort(lsp(2, { securityGroupIds: [] }));
      expect(await driver.portGroupMembers(SG)).toEqual([]);
      await driver.syncLogicalSwitchPort(lsp(3, { securityGroupIds: [SG] }));
      await driver.deletePortGroup(SG);
      expect((await driver.revisions()).port_group.has(SG)).toBe(false);
      expect(await driver.portGroupMembers(SG)).toEqual([]);
      await driver.deletePortGroup(SG);
    });

    it('needs a router before its ports and NAT rules, and deleting it removes them', async () => {
      const port = { portId: 'rp1', routerId: 'r1', networkId: NET, revision: 1, macAddress: 'fa:16:3e:00:ff:01', networks: ['10.0.0.1/24'], gateway: false, gatewayChassis: [] };
      const nat = { id: 's1', routerId: 'r1', revision: 1, type: 'snat' as const, externalIp: '203.0.113.10', logicalIp: '10.0.0.0/24' };
      await expect(driver.syncLogicalRouterPort(port)).rejects.toThrow();
      await expect(driver.syncNat(nat)).rejects.toThrow();
      await driver.syncLogicalRouter({ routerId: 'r1', revision: 1, name: 'r', projectId: 'p1', adminStateUp: true, staticRoutes: [] });
      expect(await driver.syncLogicalRouterPort(port)).toBe('created');
      expect(await driver.syncNat(nat)).toBe('created');
      await driver.deleteLogicalRouter('r1');
      const revs = await driver.revisions();
      expect(revs.logical_router.size + revs.logical_router_port.size + revs.nat.size).toBe(0);
    });
  });
}
