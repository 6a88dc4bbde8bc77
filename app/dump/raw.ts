/**
 * Raw images: the guest's physical memory byte for byte from gfn 0, as `xl` / `virsh` users get
 * from `dd` of a memory-backend file or from QEMU's `pmemsave 0 <size>`. Frame N is at offset
 * N * 4096; a trailing partial page counts as present, its missing bytes read as zeroes.
 */
import type { DumpFile } from './dump-file';
import { describeFrames, type DumpLayout, MAX_DUMP_FRAMES, PAGE_SIZE, RunsBuilder } from './layout';

export function readRawImage(file: DumpFile): DumpLayout {
  if (file.size === 0) file.fail('empty file');
  const frames = Math.ceil(file.size / PAGE_SIZE);
  if (frames > MAX_DUMP_FRAMES) file.fail(`raw image of ${frames} frames is larger than the ${describeFrames(MAX_DUMP_FRAMES)} framescope reads from a dump`);
  const runs = new RunsBuilder((detail) => file.fail(detail));
  runs.add(0, frames, 0, file.size);
  return { kind: 'raw', frames, runs: runs.finish(() => file.fail('raw image placed twice')) };
}
