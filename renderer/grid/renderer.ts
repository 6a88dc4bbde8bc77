/** What a grid renderer draws from, and the two renderers' common face. */
import type { FramePyramid, Shading } from './frame-pyramid';
import type { GfnRange, View } from './view-math';

export type RendererKind = 'webgl2' | '2d';

export interface DrawInput {
  /** The codes, layout, aggregated levels and highlight to draw. */
  pyramid: FramePyramid;
  /** In CSS pixels; the renderer scales by dpr. */
  view: View;
  dpr: number;
  /** Canvas size in device pixels. */
  width: number;
  height: number;
  /** Frames to tint (a box selection), or null. */
  range: GfnRange | null;
  /** How a pixel holding several frames is coloured: their mix, or their most notable code. */
  shading: Shading;
}

export interface GridRenderer {
  readonly kind: RendererKind;
  /** The pyramid level the last draw used. */
  readonly lastLevel: number;
  draw(input: DrawInput): void;
  /** Blank canvas (background colour): nothing to show. */
  clear(width: number, height: number): void;
  dispose(): void;
}
