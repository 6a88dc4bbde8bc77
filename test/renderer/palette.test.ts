import { test } from 'node:test';
import assert from 'node:assert/strict';

import { CODE_MAPPED, CODE_NO_MFN, CODE_NOT_IN_DUMP, CODE_PAGED, CODE_UNSCANNED, CODE_V1_NO_ERRNO, ERRNO } from '../../renderer/frame-codes';
import { GRID_COLORS, STATUS_COLORS, codeColor, paletteRgba, parseHex } from '../../renderer/grid/palette';

test('palette: Okabe-Ito blue and orange, a neutral grey hole, each errno a colour of its own', () => {
  assert.equal(STATUS_COLORS.mapped.toLowerCase(), '#0072b2');
  assert.equal(STATUS_COLORS.paged.toLowerCase(), '#e69f00');
  const rgba = paletteRgba();
  assert.deepEqual([...rgba.subarray(0, 4)], [0x00, 0x72, 0xb2, 255]);
  assert.deepEqual([...rgba.subarray(2 * 4, 2 * 4 + 4)], [0xe6, 0x9f, 0x00, 255]);
  assert.deepEqual([...rgba.subarray(22 * 4, 22 * 4 + 4)], [0x59, 0x59, 0x59, 255]);
  // the codes framescope meets: all apart from each other and from the background
  const codes = [CODE_MAPPED, CODE_PAGED, CODE_UNSCANNED, ERRNO.EINVAL, ERRNO.EPERM, ERRNO.EBUSY, ERRNO.ENOMEM, ERRNO.ESRCH, ERRNO.EFAULT,
    ERRNO.EACCES, CODE_NOT_IN_DUMP, CODE_V1_NO_ERRNO, CODE_NO_MFN];
  const colors = codes.map((c) => codeColor(c).toLowerCase());
  assert.equal(new Set([...colors, GRID_COLORS.background.toLowerCase()]).size, codes.length + 1);
  // an errno without a colour of its own still reads as an error, not as a hole
  assert.notEqual(codeColor(5 /* EIO */), codeColor(ERRNO.EINVAL));
});

// Colour-vision deficiency simulation (Machado, Oliveira & Fernandes 2009, severity 1), in linear RGB.
const SIMULATIONS: Record<string, number[][]> = {
  typical: [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
  protanopia: [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
  deuteranopia: [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.01182, 0.04294, 0.968881]],
  tritanopia: [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.3039]],
};

const toLinear = (c: number) => (c /= 255) <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;

/** CIELAB of a colour as seen with the given simulation. */
function labSeen(hex: string, m: number[][]): [number, number, number] {
  const l = parseHex(hex).map(toLinear);
  const [r, g, b] = m.map((row) => Math.min(1, Math.max(0, row[0] * l[0] + row[1] * l[1] + row[2] * l[2])));
  const x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
  const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

test('the status and errno colours stay apart (ΔE ≥ 15) for typical vision and the three dichromacies', () => {
  const codes = [CODE_MAPPED, CODE_PAGED, ERRNO.EINVAL, ERRNO.EPERM, ERRNO.EBUSY, ERRNO.ENOMEM, ERRNO.ESRCH, ERRNO.EFAULT, CODE_NO_MFN];
  for (const [name, m] of Object.entries(SIMULATIONS)) {
    for (let i = 0; i < codes.length; i++) {
      for (let j = i + 1; j < codes.length; j++) {
        const a = labSeen(codeColor(codes[i]), m);
        const b = labSeen(codeColor(codes[j]), m);
        const d = Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
        assert.ok(d >= 15, `${name}: codes ${codes[i]} and ${codes[j]} are only ΔE ${d.toFixed(1)} apart`);
      }
    }
  }
  // the check itself tells apart a pair that is known to fail for deuteranopes
  const a = labSeen('#cc3333', SIMULATIONS.deuteranopia);
  const b = labSeen('#33aa33', SIMULATIONS.deuteranopia);
  assert.ok(Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]) < 15);
});
