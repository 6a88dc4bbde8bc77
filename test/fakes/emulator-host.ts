/**
 * A small simulated host with one frame of every kind at known places, on a stepped clock
 * so that nothing changes unless the test says so. Shared by the native and app tests.
 */
import { Emulator, FrameKind, DomainType, loadEmulator } from '../../native/emulator';

export const TEST_DOMID = 7;
export const TEST_FRAMES = 0x1000;
export const LAYOUT = {
  ram: [0x0, 0xff],
  paged: [0x100, 0x10f],
  hole: [0x200, 0x20f],
  ballooned: [0x210, 0x21f],
  eperm: [0x220, 0x22f],
  ebusy: [0x230, 0x23f],
  enomem: [0x240, 0x24f],
  tail: [0x800, 0xfff], // a hole up to the end, like memory past RAM
} as const;
export const MARKER_GFN = 0x10;
export const MARKER_OFFSET = 0x80;
export const MARKER = 'TEST-MARKER-0x10';

export function testHost(): Emulator {
  const emu = loadEmulator();
  emu.setClockMode('stepped');
  emu.reset(42);
  emu.addDomain(TEST_DOMID, 'test-guest', DomainType.Hvm, TEST_FRAMES, TEST_FRAMES * 4, TEST_FRAMES * 4);
  emu.setRange(TEST_DOMID, LAYOUT.paged[0], LAYOUT.paged[1], FrameKind.Paged);
  emu.setRange(TEST_DOMID, LAYOUT.hole[0], LAYOUT.hole[1], FrameKind.Hole);
  emu.setRange(TEST_DOMID, LAYOUT.ballooned[0], LAYOUT.ballooned[1], FrameKind.Ballooned);
  emu.setRange(TEST_DOMID, LAYOUT.eperm[0], LAYOUT.eperm[1], FrameKind.Perm);
  emu.setRange(TEST_DOMID, LAYOUT.ebusy[0], LAYOUT.ebusy[1], FrameKind.Busy);
  emu.setRange(TEST_DOMID, LAYOUT.enomem[0], LAYOUT.enomem[1], FrameKind.NoMem);
  emu.setRange(TEST_DOMID, LAYOUT.tail[0], LAYOUT.tail[1], FrameKind.Hole);
  emu.plant(TEST_DOMID, MARKER_GFN, MARKER_OFFSET, new TextEncoder().encode(MARKER));
  return emu;
}

export function gfns(first: number, count: number): BigUint64Array {
  return BigUint64Array.from({ length: count }, (_, i) => BigInt(first + i));
}

/** Lines of /proc/self/maps: a mapping that is not released shows up here. */
export function mapsLineCount(): number {
  return require('node:fs').readFileSync('/proc/self/maps', 'utf8').split('\n').length;
}
