import { describe, expect, it } from 'vitest';
import { parseTgtTargets } from './tgt.ts';

// `tgtadm --lld iscsi --op show --mode target` as tgt 1.0.85 prints it (trimmed)
const SHOW = `Target 1: iqn.2010-10.org.openstack:volume-a
    System information:
        Driver: iscsi
        State: ready
    I_T nexus information:
        I_T nexus: 1
            Initiator: iqn.2008-11.org.linux-kvm alias: none
            Connection: 0
                IP Address: 127.0.0.1
    LUN information:
        LUN: 0
            Type: controller
            Backing store type: null
            Backing store path: None
            Backing store flags: 
        LUN: 1
            Type: disk
            Size: 1074 MB, Block size: 512
            Backing store type: rdwr
            Backing store path: /var/lib/strata/block-storage/volumes/exports/a.raw
            Backing store flags: 
    Account information:
    ACL information:
        ALL
Target 3: iqn.2010-10.org.openstack:volume-b
    System information:
        Driver: iscsi
        State: ready
    I_T nexus information:
    LUN information:
        LUN: 0
            Type: controller
            Backing store path: None
    Account information:
    ACL information:
`;

describe('parseTgtTargets', () => {
  it('reads targets, their LUN backing files and ACLs', () => {
    expect(parseTgtTargets(SHOW)).toEqual([
      {
        tid: 1,
        iqn: 'iqn.2010-10.org.openstack:volume-a',
        luns: [
          { lun: 0, backingPath: undefined },
          { lun: 1, backingPath: '/var/lib/strata/block-storage/volumes/exports/a.raw' },
        ],
        acls: ['ALL'],
      },
      { tid: 3, iqn: 'iqn.2010-10.org.openstack:volume-b', luns: [{ lun: 0, backingPath: undefined }], acls: [] },
    ]);
  });

  it('reads an empty listing as no targets', () => {
    expect(parseTgtTargets('')).toEqual([]);
  });
});
