/**
 * Reads dumps taken by a real QEMU, when qemu-system-x86_64 is installed (Debian:
 * qemu-system-x86): a 16 MiB PC guest with no disk and no kernel, paused before its first
 * instruction (-S), with a known pattern loaded at 2 MiB by the generic loader device, dumped
 * through the HMP monitor on stdin. Each run takes a fraction of a second under TCG.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { DUMP_DOMAIN_ID, detectDumpKind, DumpFormatError, openDumpSource } from '../../../app/dump/dump-source';
import { CODE_MAPPED } from '../../../app/frame-status';
import { PAGE, pageContent } from '../../fakes/dump-builders';

const QEMU = 'qemu-system-x86_64';
const GUEST_MIB = 16;
const PATTERN_GFN = 0x200;
const PATTERN_FRAMES = 3;
/** x86 starts at 0xfffffff0, the top of the firmware mapped below 4 GiB: a far jmp (0xea). */
const RESET_VECTOR = 0xfffffff0;

const probe = spawnSync(QEMU, ['--version'], { encoding: 'utf8' });
const missing = probe.error || probe.status !== 0 ? `${QEMU} not installed: apt-get install qemu-system-x86 to run this test` : null;

const dir = mkdtempSync(join(tmpdir(), 'framescope-qemu-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const pattern = Buffer.concat(Array.from({ length: PATTERN_FRAMES }, (_, i) => pageContent(PATTERN_GFN + i, 42)));
const patternPath = join(dir, 'pattern.bin');
writeFileSync(patternPath, pattern);

/** Runs `dump-guest-memory <args>` in a fresh paused guest; returns the dump's path. */
function qemuDump(name: string, dumpArgs: (path: string) => string): string {
  const path = join(dir, name);
  const r = spawnSync(QEMU, [
    '-M', 'pc', '-accel', 'tcg', '-m', String(GUEST_MIB), '-nodefaults', '-no-user-config', '-display', 'none', '-S',
    '-device', `loader,file=${patternPath},addr=${PATTERN_GFN * PAGE},force-raw=on`,
    '-monitor', 'stdio',
  ], { input: `dump-guest-memory ${dumpArgs(path)}\nquit\n`, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `${QEMU} failed: ${r.error?.message ?? ''} ${r.stderr}`);
  return path;
}

async function assertPattern(path: string): Promise<void> {
  const source = await openDumpSource(path);
  try {
    const r = await source.mapFrames(DUMP_DOMAIN_ID, PATTERN_GFN, PATTERN_FRAMES, { mode: 'observe', copy: true });
    assert.deepEqual([...r.codes], Array(PATTERN_FRAMES).fill(CODE_MAPPED));
    assert.ok(Buffer.from(r.contents!).equals(pattern), 'the loaded pattern reads back byte for byte');
  } finally {
    await source.close();
  }
}

test('a real dump-guest-memory ELF dump: every RAM frame, the firmware below 4 GiB, the loaded bytes', { skip: missing ?? false }, async () => {
  const path = qemuDump('guest.elf', (p) => p);
  assert.equal(await detectDumpKind(path), 'qemu-elf');
  const source = await openDumpSource(path);
  try {
    // Firmware is mapped up to 4 GiB, so the highest frame is just below it.
    assert.equal(source.frames, 2 ** 32 / PAGE);
    const ramFrames = (GUEST_MIB * 2 ** 20) / PAGE;
    assert.ok(source.presentFrames >= ramFrames, `${source.presentFrames} frames present, want at least ${ramFrames}`);
    const low = await source.mapFrames(DUMP_DOMAIN_ID, 0, ramFrames, { mode: 'observe' });
    assert.ok(low.codes.every((c) => c === CODE_MAPPED), 'all guest RAM is in the dump');
    const gap = await source.mapFrames(DUMP_DOMAIN_ID, ramFrames, 1024, { mode: 'observe' });
    assert.ok(gap.codes.every((c) => c !== CODE_MAPPED), 'nothing right above RAM');
    const top = await source.mapFrames(DUMP_DOMAIN_ID, Math.floor(RESET_VECTOR / PAGE), 1, { mode: 'observe', copy: true });
    assert.equal(top.contents![RESET_VECTOR % PAGE], 0xea);
    console.log(`# ${probe.stdout.split('\n')[0]}: ${source.describe().description}`);
  } finally {
    await source.close();
  }
  await assertPattern(path);
});

test('a real filtered dump (begin, length) holds only that range', { skip: missing ?? false }, async () => {
  const path = qemuDump('filtered.elf', (p) => `${p} ${PATTERN_GFN * PAGE} ${PATTERN_FRAMES * PAGE}`);
  const source = await openDumpSource(path);
  try {
    assert.equal(source.frames, PATTERN_GFN + PATTERN_FRAMES);
    assert.equal(source.presentFrames, PATTERN_FRAMES);
  } finally {
    await source.close();
  }
  await assertPattern(path);
});

test('a real kdump-compressed dump is refused with how to get an ELF one', { skip: missing ?? false }, async () => {
  const path = qemuDump('guest.kdump', (p) => `-z ${p}`);
  await assert.rejects(openDumpSource(path), (e: Error) => e instanceof DumpFormatError && /not supported: take an ELF dump instead/.test(e.message));
});
