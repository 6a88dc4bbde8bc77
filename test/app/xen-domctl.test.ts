/** XEN_DOMCTL_getdomaininfo at each interface version, and what the source makes of it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DomainType } from '../../native/emulator';
import { DOMCTL_INTERFACES } from '../../native/privcmd-abi';
import { PrivcmdDevice } from '../../native/privcmd-device';
import { UnknownDomainError } from '../../app/frame-source';
import { PrivcmdFrameSource } from '../../app/privcmd-source';
import { diagnoseBatch } from '../../app/scanner';
import { DomainInfoReader, DomctlVersionError } from '../../app/xen-domctl';
import { testHost, TEST_DOMID } from '../fakes/emulator-host';

const PVH = 8;
const PV = 9;

function host() {
  const emu = testHost();
  emu.addDomain(PVH, 'pvh-guest', DomainType.Pvh, 0x100, 0x400, 0x800);
  emu.addDomain(PV, 'pv-guest', DomainType.Pv, 0x100, 0x400, 0x400);
  const dev = PrivcmdDevice.open(emu.syscalls);
  return { emu, dev, reader: new DomainInfoReader((op) => dev.domctl(op)) };
}

test('every interface version framescope knows reads the type, sizes and shared info of a domain', () => {
  const { emu, dev } = host();
  try {
    for (const iface of DOMCTL_INTERFACES) {
      emu.setKnob('domctl_version', iface.version);
      const reader = new DomainInfoReader((op) => dev.domctl(op));
      // HVM and PVH differ only in arch_config, which moved in 4.16: a wrong offset reads PVH for HVM
      assert.equal(reader.read(TEST_DOMID).type, 'hvm', `0x${iface.version.toString(16)}`);
      assert.equal(reader.version, iface, 'the version that answered is kept');
      const pvh = reader.read(PVH);
      assert.deepEqual([pvh.type, pvh.maxPages, pvh.totPages], ['pvh', 0x800 / 4, 0x100]);
      const pv = reader.read(PV);
      assert.equal(pv.type, 'pv');
      assert.ok(pv.sharedInfoFrame > 0x100 && pv.sharedInfoFrame < 2 ** 40, 'a PV guest\'s shared info is a machine frame of its own');
    }
  } finally {
    dev.close();
  }
});

test('a hypervisor speaking no version framescope knows: one clear error naming the versions tried', () => {
  const { emu, dev, reader } = host();
  try {
    for (const version of [0x11, 0x19]) {
      emu.setKnob('domctl_version', version);
      assert.throws(() => reader.read(TEST_DOMID), (e: Error) => e instanceof DomctlVersionError &&
        e.message === 'XEN_DOMCTL_getdomaininfo answered EACCES at every interface version framescope knows (0x12-0x18, Xen 4.14-4.22): ' +
          'this hypervisor speaks another, so framescope cannot tell PV guests from HVM ones');
    }
  } finally {
    dev.close();
  }
});

test('a missing domain: ESRCH from Xen 4.18 on, the next domain up before; both are "no such domain"', () => {
  const { emu, dev, reader } = host();
  try {
    for (const version of [0x15, 0x17]) {
      emu.setKnob('domctl_version', version);
      // 5 is missing; 4.17 answers for domain 7, the next one up
      assert.throws(() => reader.read(5), (e: Error) => e instanceof UnknownDomainError && /domain 5: no such domain/.test(e.message));
      assert.throws(() => reader.read(0x7000), UnknownDomainError);
      assert.equal(reader.read(TEST_DOMID).domid, TEST_DOMID);
    }
  } finally {
    dev.close();
  }
});

test('listDomains: sizes from the hypervisor for every domain, its type, and why when it cannot say', async () => {
  const emu = testHost();
  emu.addDomain(PV, 'pv-guest', DomainType.Pv, 0x100, 0x400, 0x400);
  const source = await PrivcmdFrameSource.open({
    syscalls: emu.syscalls,
    description: { backend: 'sim', simulated: true, description: 'test' },
    // a lister that, like xenstore for a dom0, knows names only
    listDomains: async () => emu.domains().map((d) => ({ id: d.domid, name: d.name, memoryKiB: null, maxMemoryKiB: null })),
  });
  try {
    const [guest, pv] = await source.listDomains();
    assert.deepEqual([guest.type, guest.currentPages, guest.maxPages], ['hvm', 2000, 0x1000]);
    assert.deepEqual([pv.type, pv.currentPages, pv.maxPages, pv.typeError], ['pv', 0x100, 0x100, undefined]);
    assert.deepEqual(await source.guestType(PV), { type: 'pv', why: undefined });

    emu.setKnob('domctl_version', 0x30);
    const unknown = await PrivcmdFrameSource.open({ syscalls: emu.syscalls, description: source.describe(), listDomains: async () => [{ id: PV, name: 'pv-guest', memoryKiB: null, maxMemoryKiB: null }] });
    try {
      const [d] = await unknown.listDomains();
      assert.equal(d.type, null);
      assert.match(d.typeError ?? '', /answered EACCES at every interface version/);
      assert.equal(d.currentPages, 0x100, 'the reservations are a stable ABI: they still answer');
      // a PV guest's pfns sent as they are answer EPERM and EBUSY: the scan says why they were not translated
      const why = await diagnoseBatch(unknown, PV, 0, Uint8Array.of(1, 16, 16));
      assert.match(why ?? '', /^every frame of domain 9 from 0x0 answered EPERM or EBUSY, as a PV guest's do when its pfns are not translated to machine frames: XEN_DOMCTL_getdomaininfo answered EACCES/);
      assert.equal(await diagnoseBatch(source, PV, 0, Uint8Array.of(1, 16, 16)), null, 'with the type known, nothing to explain');
    } finally {
      await unknown.close();
    }
  } finally {
    await source.close();
  }
});

test('a source confined to one domain asks the hypervisor about it before its descriptor is restricted', async () => {
  const emu = testHost();
  const source = await PrivcmdFrameSource.open({
    syscalls: emu.syscalls,
    description: { backend: 'sim', simulated: true, description: 'test' },
    listDomains: async () => [{ id: TEST_DOMID, name: 'test-guest', memoryKiB: null, maxMemoryKiB: null }],
    onlyDomain: TEST_DOMID,
  });
  try {
    const [d] = await source.listDomains();
    assert.deepEqual([d.type, d.currentPages, d.maxPages], ['hvm', 2000, 0x1000]);
  } finally {
    await source.close();
  }
});
