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
