/** What a grid renderer draws from, and the two renderers' common face. */
import type { Aggregation, StatusPyramid } from './status-pyramid';
import type { GfnRange, View } from './view-math';

export type RendererKind = 'webgl2' | '2d';

export interface DrawInput {
  pyramid: StatusPyramid;
  /** In CSS pixels; the renderer scales by dpr. */
  view: View;
  dpr: number;
  /** Canvas size in device pixels. */
  width: number;
  height: number;
  /** Frames to tint (a box selection), or null. */
  range: GfnRange | null;
  /** What a zoomed-out pixel shows: the block's most notable status, or its most common. */
  aggregation: Aggregation;
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
