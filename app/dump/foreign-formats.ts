/**
 * Files that are guest state but not in a format framescope reads, recognised by their
 * signatures so that they get a one-line "how to get a readable dump" instead of being shown
 * as a raw image of garbage. Signatures: QEMU's include/sysemu/dump.h (KDUMP_SIGNATURE,
 * MAKEDUMPFILE_SIGNATURE) and dump/win_dump_defs.h, makedumpfile's diskdump_mod.h, libvirt's
 * qemu_saveimage.h (QEMU_SAVE_MAGIC, QEMU_SAVE_PARTIAL), QEMU's migration/savevm.c
 * (QEMU_VM_FILE_MAGIC), xl's savefile header and libxc's XC_SAVE_SIGNATURE.
 */
import type { DumpFile } from './dump-file';

const ELF_DUMP_HOWTO = 'take an ELF dump instead (virsh dump --memory-only --format elf, or QEMU dump-guest-memory without -z/-l/-s/-w)';

interface Signature {
  at: number;
  bytes: Buffer;
  refusal: string;
}

const sig = (text: string) => Buffer.from(text, 'latin1');

const SIGNATURES: Signature[] = [
  { at: 0, bytes: sig('KDUMP   '), refusal: `kdump-compressed dump (virsh dump --format kdump-*, dump-guest-memory -z/-l/-s) is not supported: ${ELF_DUMP_HOWTO}` },
  { at: 0, bytes: sig('makedumpfile\0'), refusal: `flattened kdump-compressed dump (makedumpfile -F, dump-guest-memory -z/-l/-s) is not supported: ${ELF_DUMP_HOWTO}` },
  { at: 0, bytes: sig('DISKDUMP'), refusal: `diskdump file is not supported: ${ELF_DUMP_HOWTO}` },
  { at: 0, bytes: sig('PAGEDU64'), refusal: `Windows crash dump (virsh dump --format win-dmp, dump-guest-memory -w) is not supported: ${ELF_DUMP_HOWTO}` },
  { at: 0, bytes: sig('PAGEDUMP'), refusal: `Windows crash dump (virsh dump --format win-dmp, dump-guest-memory -w) is not supported: ${ELF_DUMP_HOWTO}` },
  { at: 0, bytes: sig('LibvirtQemudSave'), refusal: `libvirt save image (virsh save, or virsh dump without --memory-only) is not supported: ${ELF_DUMP_HOWTO}` },
  { at: 0, bytes: sig('LibvirtQemudPart'), refusal: `partial libvirt save image is not supported: ${ELF_DUMP_HOWTO}` },
  { at: 0, bytes: sig('QEVM'), refusal: `QEMU migration stream (savevm, migrate to a file) is not supported: ${ELF_DUMP_HOWTO}` },
  { at: 0, bytes: sig('Xen saved domain, xl format'), refusal: 'xl save image is not supported: take a dump with xl dump-core instead' },
  { at: 0, bytes: sig('LinuxGuestRecord'), refusal: 'Xen save image is not supported: take a dump with xl dump-core instead' },
  { at: 0, bytes: Buffer.from([0x1f, 0x8b, 0x08]), refusal: 'gzip-compressed file: decompress it first (gunzip)' },
  { at: 0, bytes: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), refusal: 'xz-compressed file: decompress it first (unxz)' },
  { at: 0, bytes: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), refusal: 'zstd-compressed file: decompress it first (unzstd)' },
];

/** bzip2: "BZh", a block-size digit, then the block magic (the BCD digits of pi). */
const BZIP2_BLOCK_MAGIC = Buffer.from([0x31, 0x41, 0x59, 0x26, 0x53, 0x59]);

/** Longest signature above plus its offset: the bytes of the file's head to pass in. */
export const SIGNATURE_BYTES = 32;

export function refuseForeignFormat(file: DumpFile, head: Buffer): void {
  for (const s of SIGNATURES) {
    if (head.length >= s.at + s.bytes.length && head.subarray(s.at, s.at + s.bytes.length).equals(s.bytes)) file.fail(s.refusal);
  }
  const bzip2 = head.length >= 10 && head.toString('latin1', 0, 3) === 'BZh' && head[3] >= 0x31 && head[3] <= 0x39
    && head.subarray(4, 10).equals(BZIP2_BLOCK_MAGIC);
  if (bzip2) file.fail('bzip2-compressed file: decompress it first (bunzip2)');
}
