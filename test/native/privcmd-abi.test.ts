import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import koffi from 'koffi';

import { loadEmulator } from '../../native/emulator';
import * as abi from '../../native/privcmd-abi';

const XEN_HEADER = '/usr/include/xen/sys/privcmd.h';

test('the emulator is built against Xen\'s own privcmd.h when it is installed', () => {
  const emu = loadEmulator();
  assert.equal(emu.abiSource(), fs.existsSync(XEN_HEADER) ? 'xen' : 'framescope');
});

test('koffi struct layouts equal the C header the emulator was built with', () => {
  const emu = loadEmulator();
  const structs = {
    privcmd_hypercall: [abi.privcmd_hypercall, ['arg']],
    privcmd_mmapbatch: [abi.privcmd_mmapbatch, ['num', 'dom', 'addr', 'arr']],
    privcmd_mmapbatch_v2: [abi.privcmd_mmapbatch_v2, ['num', 'dom', 'addr', 'arr', 'err']],
  } as const;
  for (const [name, [type, fields]] of Object.entries(structs)) {
    assert.equal(koffi.sizeof(type), emu.abiValue(`sizeof_${name}`), `sizeof ${name}`);
    for (const field of fields) {
      assert.equal(koffi.offsetof(type, field), emu.abiValue(`offsetof_${name}_${field}`), `offsetof ${name}.${field}`);
    }
  }
  assert.equal(koffi.sizeof(abi.domid_t), emu.abiValue('sizeof_domid_t'));
  assert.equal(koffi.sizeof(abi.xen_pfn_t), emu.abiValue('sizeof_xen_pfn_t'));
});

test('ioctl numbers derived with _IOC equal the C header\'s', () => {
  const emu = loadEmulator();
  for (const name of ['IOCTL_PRIVCMD_HYPERCALL', 'IOCTL_PRIVCMD_MMAPBATCH', 'IOCTL_PRIVCMD_MMAPBATCH_V2', 'IOCTL_PRIVCMD_RESTRICT'] as const) {
    assert.equal(abi[name], emu.abiValue(name), name);
  }
  assert.equal(abi.PRIVCMD_MMAPBATCH_PAGED_ERROR, emu.abiValue('PRIVCMD_MMAPBATCH_PAGED_ERROR'));
  assert.equal(abi.__HYPERVISOR_memory_op, emu.abiValue('__HYPERVISOR_memory_op'));
  assert.equal(abi.XENMEM_maximum_gpfn, emu.abiValue('XENMEM_maximum_gpfn'));
});

test('the x86_64 layouts of privcmd-semantics.md', () => {
  assert.equal(koffi.sizeof(abi.privcmd_mmapbatch), 24);
  assert.equal(koffi.sizeof(abi.privcmd_mmapbatch_v2), 32);
  assert.equal(koffi.offsetof(abi.privcmd_mmapbatch_v2, 'err'), 24);
  assert.equal(abi.IOCTL_PRIVCMD_MMAPBATCH, 0x00185003);
  assert.equal(abi.IOCTL_PRIVCMD_MMAPBATCH_V2, 0x00205004);
  assert.equal(abi.IOCTL_PRIVCMD_HYPERCALL, 0x00305000);
  assert.equal(abi.IOCTL_PRIVCMD_RESTRICT, 0x00025006);
});

test('the domctl and shared-info layouts equal Xen\'s installed domctl.h and xen.h', () => {
  const emu = loadEmulator();
  const version = emu.abiValue('XEN_DOMCTL_INTERFACE_VERSION');
  if (emu.abiSource() !== 'xen') {
    // built without Xen's headers (the first test says whether it should have been): nothing to compare with
    assert.equal(version, -1);
    return;
  }
  const iface = abi.DOMCTL_INTERFACES.find((i) => i.version === version);
  assert.ok(iface, `framescope knows the installed header's interface version 0x${version.toString(16)}`);
  assert.equal(abi.XEN_DOMCTL_LAYOUT.size, emu.abiValue('sizeof_xen_domctl'));
  assert.equal(abi.XEN_DOMCTL_LAYOUT.interfaceVersion, emu.abiValue('offsetof_xen_domctl_interface_version'));
  assert.equal(abi.XEN_DOMCTL_LAYOUT.domain, emu.abiValue('offsetof_xen_domctl_domain'));
  assert.equal(abi.XEN_DOMCTL_LAYOUT.u, emu.abiValue('offsetof_xen_domctl_u'));
  for (const [field, name] of [['flags', 'flags'], ['totPages', 'tot_pages'], ['maxPages', 'max_pages'], ['sharedInfoFrame', 'shared_info_frame']] as const) {
    assert.equal(abi.GETDOMAININFO_LAYOUT[field], emu.abiValue(`offsetof_getdomaininfo_${name}`), field);
  }
  assert.equal(iface.archConfig, emu.abiValue('offsetof_getdomaininfo_arch_config'));
  for (const [field, name] of [['maxPfn', 'max_pfn'], ['frameListList', 'pfn_to_mfn_frame_list_list'], ['p2mCr3', 'p2m_cr3'],
    ['p2mVaddr', 'p2m_vaddr'], ['p2mGeneration', 'p2m_generation']] as const) {
    assert.equal(abi.SHARED_INFO_LAYOUT[field], emu.abiValue(`offsetof_shared_info_${name}`), field);
  }
});

test('hypercall and domctl numbers equal the C header\'s', () => {
  const emu = loadEmulator();
  for (const name of ['__HYPERVISOR_domctl', 'XENMEM_current_reservation', 'XENMEM_maximum_reservation', 'XEN_DOMCTL_getdomaininfo',
    'XEN_DOMINF_hvm_guest', 'XEN_X86_EMU_PIC'] as const) {
    assert.equal(abi[name], emu.abiValue(name), name);
  }
});
