/**
 * The frame grid on the GPU (WebGL2). The frame codes live in an R8UI texture, 4096 texels per
 * row, their change marks in another of the same shape; each stored pyramid level
 * (frame-pyramid.ts) has textures for its mix (RGBA8), most notable code, marks and highlight.
 * A level too tall for MAX_TEXTURE_SIZE goes into a 2D array texture of 1024-row layers
 * instead, so a guest of any size fits. One fullscreen quad is drawn: its fragment shader
 * maps each pixel through the view uniforms to a cell, finds the cell's frame (rows) or its
 * index along the Hilbert curve, and colours it as the 2D renderer does (canvas2d-renderer.ts):
 * level 0 the frame's code, level 1 the mix of its block of four, level 2 up the pyramid's
 * entry. Pan and zoom change only uniforms; a chunk re-uploads only the texel rows it touched
 * (texSubImage2D), and only for the level being drawn, the others catching up when next used.
 */
import { MARK_PAGE_FRAMES } from '../store/change-marks';
import { FIRST_STORED_LEVEL, type FramePyramid, type Layer } from './frame-pyramid';
import { HilbertLayout } from './layout';
import { DIM_AMOUNT, GRID_COLORS, HIGHLIGHT_FLOOR, MARK_STYLE, RANGE_TINT, paletteRgba, parseHex } from './palette';
import type { DrawInput, GridRenderer } from './renderer';
import { GRID_LINE_MIN_CELL_PX, aggregationLevel } from './view-math';

/** Texels per texture row; a power of two so the shader splits an index with a shift and a mask. */
const TEX_WIDTH = 4096;
const TEX_SHIFT = 12;
/**
 * Texel rows per layer when a level needs an array texture: a power of two, so the shader
 * splits a row number with a shift and a mask (integer division is slow on software GPUs).
 * 1024 rows of 4096 texels hold 4 M frames; MAX_ARRAY_TEXTURE_LAYERS (>= 256) layers, 1 G.
 */
const LAYER_ROWS_SHIFT = 10;

const VERTEX_SHADER = `#version 300 es
// A quad over the whole canvas, from gl_VertexID: no vertex buffers needed.
void main() {
  vec2 p = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1));
  gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}`;

/**
 * What a fragment shader is built for: plain 2D textures or (array) 2D array textures, rows
 * or a Hilbert layout, and the stage (0: level 0, one frame a cell; 1: level 1, four frames
 * read from the codes; 2: a stored level). One program per combination, so no pixel pays for
 * a branch on a uniform (software rasterizers run both sides of every branch).
 */
interface ShaderVariant {
  array: boolean;
  hilbert: boolean;
  stage: 0 | 1 | 2;
}

/** The fragment shader of a variant. */
function fragmentShader({ array, hilbert, stage }: ShaderVariant): string {
  const u = array ? 'usampler2DArray' : 'usampler2D';
  const f = array ? 'sampler2DArray' : 'sampler2D';
  const at = (index: string) => array
    ? `ivec3(${index} & TEX_MASK, (${index} >> TEX_SHIFT) & ((1 << uLayerShift) - 1), (${index} >> TEX_SHIFT) >> uLayerShift)`
    : `ivec2(${index} & TEX_MASK, ${index} >> TEX_SHIFT)`;
  return `#version 300 es
precision highp float;
precision highp int;
precision highp usampler2D;
precision highp ${u};
precision highp ${f};

#define TEX_SHIFT ${TEX_SHIFT}
#define TEX_MASK ${TEX_WIDTH - 1}
#define NO_MARK 255u
#define HILBERT ${hilbert ? 1 : 0}
#define STAGE ${stage}

uniform ${u} uCodes;            // level 0: one code per frame
uniform ${u} uMarks0;           // level 0: the code a frame changed from, 255 = not marked
uniform ${f} uMix;              // stored level: RGBA mix of the block
uniform ${u} uNotable;          // stored level: most notable code
uniform ${u} uMarks;            // stored level: 0 = a frame of the block is marked
uniform ${u} uHighlight;        // stored level: most notable highlighted code (255 = none), share of the block
uniform sampler2D uPalette;     // 256 x 1; alpha 1 where the highlight takes the code
uniform int uLayerShift;        // array textures: log2 of the texel rows per layer
uniform float uCanvasHeight;    // device pixels
uniform float uInvCellPx;       // cells per device pixel
uniform float uCellPx;          // device pixels per cell
uniform ivec2 uOriginInt;       // grid cell at the canvas's top-left corner...
uniform vec2 uOriginFrac;       // ...and the fraction of it that is scrolled off
uniform int uCols;              // cells across
uniform int uRows;              // cells down
uniform int uFrames;
uniform int uOrder;             // Hilbert: squares of 2^uOrder cells, uAcross a row
uniform int uAcross;
uniform int uLevel;             // blocks of 2^uLevel x 2^uLevel cells
uniform int uLevelCols;         // stored level: blocks per row (rows layout)
uniform int uProportional;
uniform int uHasHighlight;
uniform ivec2 uRange;           // tinted frames, first..last (first > last: none)
uniform vec3 uBackground;
uniform vec3 uTint;
uniform float uTintAmount;
uniform float uDimAmount;
uniform float uHighlightFloor;  // proportional: how far a block with any highlighted frame goes to its colour
uniform float uGapPx;           // gap between cells (0 when zoomed out)
uniform vec3 uMarkColor;
uniform float uMarkFillBelowPx; // cells narrower than this are filled when marked
uniform float uMarkRingFromPx;  // cells at least this wide get a ring, narrower ones a dot

out vec4 outColor;

int hilbertIndex(int order, int x, int y) {
  int d = 0;
  int flip = 0;
  int swapped = 0;
  for (int level = 25; level >= 0; level--) {
    if (level >= order) continue;
    int rx = ((x >> level) & 1) ^ flip;
    int ry = ((y >> level) & 1) ^ flip;
    if (swapped == 1) { int t = rx; rx = ry; ry = t; }
    d = d * 4 + ((3 * rx) ^ ry);
    if (ry == 0) { flip ^= rx; swapped ^= 1; }
  }
  return d;
}

uint code0(int gfn) { return texelFetch(uCodes, ${at('gfn')}, 0).r; }
uint mark0(int gfn) { return texelFetch(uMarks0, ${at('gfn')}, 0).r; }
vec4 paletteOf(uint code) { return texelFetch(uPalette, ivec2(int(code), 0), 0); }
vec3 dim(vec3 c) { return uHasHighlight == 1 ? mix(c, uBackground, uDimAmount) : c; }
// A block under a highlight: its highlighted code (255: none) shows, in proportion to its share.
vec3 highlighted(vec3 c, uint code, float share) {
  if (uHasHighlight == 0) return c;
  if (code == 255u) return dim(c);
  vec3 h = paletteOf(code).rgb;
  return uProportional == 1 ? mix(dim(c), h, uHighlightFloor + (1.0 - uHighlightFloor) * share) : h;
}

// The rank of a code for "most notable" (frame-codes.ts codePriority and CODE_RANK).
int priority(uint code) {
  int p = 3;
  if (code == 255u) p = 0;
  else if (code == 0u) p = 1;
  else if (code == 22u || code == 251u || code == 252u || code == 253u || code == 254u) p = 2;
  else if (code == 2u) p = 4;
  return p * 256 + (255 - int(code));
}

// Level 1: one of the block's four frames into the running mix (x < 0: no frame there).
void take(int x, inout vec3 sum, inout float n, inout uint best, inout uint bestHl, inout float hits, inout bool marked) {
  if (x < 0 || x >= uFrames) return;
  uint code = code0(x);
  vec4 c = paletteOf(code);
  sum += c.rgb;
  n += 1.0;
  if (best == 255u || priority(code) > priority(best)) best = code;
  if (uHasHighlight == 1 && c.a > 0.5) {
    hits += 1.0;
    if (bestHl == 255u || priority(code) > priority(bestHl)) bestHl = code;
  }
  if (mark0(x) != NO_MARK) marked = true;
}

void main() {
  vec2 p = vec2(gl_FragCoord.x, uCanvasHeight - gl_FragCoord.y);
  vec2 g = p * uInvCellPx + uOriginFrac;
  vec2 gi = floor(g);
  ivec2 cell = ivec2(gi) + uOriginInt;
  if (cell.x < 0 || cell.y < 0 || cell.x >= uCols || cell.y >= uRows) { outColor = vec4(uBackground, 1.0); return; }
  // The block under the pixel: its first frame (rows: the cell's own frame) and its index.
#if HILBERT
  int side = 1 << uOrder;
  int q = (cell.y >> uOrder) * uAcross + (cell.x >> uOrder);
  int sub = uOrder - uLevel;
  int index = (q << (2 * sub)) + hilbertIndex(sub, (cell.x & (side - 1)) >> uLevel, (cell.y & (side - 1)) >> uLevel);
  int first = index << (2 * uLevel);
  int gfn = first;
  int blockFrames = 1 << (2 * uLevel);
  if (first >= uFrames) { outColor = vec4(uBackground, 1.0); return; }
#else
  int gfn = cell.y * uCols + cell.x;
  if (gfn >= uFrames) { outColor = vec4(uBackground, 1.0); return; }
  int index = (cell.y >> uLevel) * uLevelCols + (cell.x >> uLevel);
  int first = gfn;
  int blockFrames = 1;
#endif

  vec3 color;
  bool marked = false;
#if STAGE == 0
  vec2 f = (g - gi) * uCellPx;   // where in its cell the pixel is, device pixels
  uint code = code0(gfn);
  vec4 c = paletteOf(code);
  color = c.a > 0.5 ? c.rgb : dim(c.rgb);
  if (gfn >= uRange.x && gfn <= uRange.y) color = mix(color, uTint, uTintAmount);
  if (mark0(gfn) != NO_MARK) {
    if (uCellPx < uMarkFillBelowPx) {
      marked = true;
    } else {
      float d = min(min(f.x - uGapPx, f.y - uGapPx), min(uCellPx - f.x, uCellPx - f.y));
      float inner = uCellPx - uGapPx;
      if (uCellPx >= uMarkRingFromPx) marked = d >= 0.0 && d < max(1.0, floor(inner / 5.0));
      else marked = d >= floor(inner / 4.0);
    }
  }
  if (uGapPx > 0.0 && (f.x < uGapPx || f.y < uGapPx)) color = mix(color, uBackground, 0.8);
#elif STAGE == 1
  // four frames: along the curve 4i..4i+3, or the 2 x 2 cells of the rows layout
  vec3 sum = vec3(0.0);
  float n = 0.0;
  uint best = 255u;
  uint bestHl = 255u;
  float hits = 0.0;
#if HILBERT
  int g0 = 4 * index;
  take(g0, sum, n, best, bestHl, hits, marked);
  take(g0 + 1, sum, n, best, bestHl, hits, marked);
  take(g0 + 2, sum, n, best, bestHl, hits, marked);
  take(g0 + 3, sum, n, best, bestHl, hits, marked);
#else
  int c0 = (cell.x >> 1) << 1;
  int top = ((cell.y >> 1) << 1) * uCols + c0;
  bool right = c0 + 1 < uCols;
  take(top, sum, n, best, bestHl, hits, marked);
  take(right ? top + 1 : -1, sum, n, best, bestHl, hits, marked);
  take(top + uCols, sum, n, best, bestHl, hits, marked);
  take(right ? top + uCols + 1 : -1, sum, n, best, bestHl, hits, marked);
#endif
  color = highlighted(uProportional == 1 ? sum / n : paletteOf(best).rgb, bestHl, hits / n);
#else
  marked = texelFetch(uMarks, ${at('index')}, 0).r != NO_MARK;
  uvec2 h = uHasHighlight == 1 ? texelFetch(uHighlight, ${at('index')}, 0).rg : uvec2(255u, 0u);
  vec3 c = uProportional == 1 ? texelFetch(uMix, ${at('index')}, 0).rgb : paletteOf(texelFetch(uNotable, ${at('index')}, 0).r).rgb;
  color = highlighted(c, h.r, float(h.g) / 255.0);
#endif
#if STAGE > 0
  if (first <= uRange.y && first + blockFrames - 1 >= uRange.x) color = mix(color, uTint, uTintAmount);
#endif
  if (marked) color = uMarkColor;
  outColor = vec4(color, 1.0);
}`;
}

const UNIFORMS = [
  'uCodes', 'uMarks0', 'uMix', 'uNotable', 'uMarks', 'uHighlight', 'uPalette', 'uLayerShift', 'uCanvasHeight', 'uInvCellPx',
  'uCellPx', 'uOriginInt', 'uOriginFrac', 'uCols', 'uRows', 'uFrames', 'uOrder', 'uAcross', 'uLevel', 'uLevelCols',
  'uProportional', 'uHasHighlight', 'uRange', 'uBackground', 'uTint', 'uTintAmount', 'uDimAmount', 'uHighlightFloor', 'uGapPx', 'uMarkColor',
  'uMarkFillBelowPx', 'uMarkRingFromPx',
] as const;
type UniformName = (typeof UNIFORMS)[number];

interface GridProgram {
  program: WebGLProgram;
  u: Record<UniformName, WebGLUniformLocation | null>;
}

interface LevelTexture {
  texture: WebGLTexture;
  /** TEXTURE_2D, or TEXTURE_2D_ARRAY for a level taller than MAX_TEXTURE_SIZE. */
  target: number;
  /** Array textures: log2 of the texel rows per layer (0 for plain 2D textures). */
  layerShift: number;
  /** Texel rows per layer (all of them for a plain 2D texture). */
  layerRows: number;
  /** Bytes per texel: 1 (R8UI), 2 (RG8UI) or 4 (RGBA8). */
  texelBytes: number;
}

/** What the renderer keeps a texture of: the codes and marks of level 0, or a stored level's layer. */
type TextureKey = 'codes' | 'marks0' | Layer;

const BACKGROUND_RGB = parseHex(GRID_COLORS.background).map((c) => c / 255);
const TINT_RGB = parseHex(GRID_COLORS.highlight).map((c) => c / 255);
const MARK_RGB = parseHex(MARK_STYLE.color).map((c) => c / 255);

function compile(gl: WebGL2RenderingContext, type: number, source: string): WebGLShader {
  const shader = gl.createShader(type)!;
  gl.shaderSource(shader, source);
  gl.compileShader(shader);
  if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) {
    const log = gl.getShaderInfoLog(shader);
    gl.deleteShader(shader);
    throw new Error(`grid shader: ${log}`);
  }
  return shader;
}

function link(gl: WebGL2RenderingContext, variant: ShaderVariant): GridProgram {
  const vs = compile(gl, gl.VERTEX_SHADER, VERTEX_SHADER);
  const fs = compile(gl, gl.FRAGMENT_SHADER, fragmentShader(variant));
  const program = gl.createProgram()!;
  gl.attachShader(program, vs);
  gl.attachShader(program, fs);
  gl.linkProgram(program);
  gl.deleteShader(vs);
  gl.deleteShader(fs);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(`grid program: ${gl.getProgramInfoLog(program)}`);
  const u = {} as Record<UniformName, WebGLUniformLocation | null>;
  for (const name of UNIFORMS) u[name] = gl.getUniformLocation(program, name);
  return { program, u };
}

export class WebGlGridRenderer implements GridRenderer {
  readonly kind = 'webgl2';
  lastLevel = 0;
  /** Programs by variant, built when first needed. */
  private readonly programs = new Map<string, GridProgram>();
  private readonly vao: WebGLVertexArrayObject;
  private readonly palette: WebGLTexture;
  private readonly maxTextureRows: number;
  private pyramid: FramePyramid | null = null;
  /** The highlight the palette's alpha was last set for. */
  private paletteHighlight: Uint8Array | null | undefined = undefined;
  /** Textures per key and level (level 0 for codes and marks0). */
  private textures = new Map<string, LevelTexture>();
  /** A 1x1 texture bound where a level has no such layer. */
  private readonly empty: { u8: WebGLTexture; rgba: WebGLTexture; u8Array: WebGLTexture; rgbaArray: WebGLTexture };
  /** Scratch for the last, partial texel row of a level. */
  private readonly tailRow = new Uint8Array(TEX_WIDTH * 4);
  /** A page of "not marked", for the parts of the marks that have no page. */
  private readonly unmarked = new Uint8Array(MARK_PAGE_FRAMES).fill(255);

  /** Throws when the shaders do not build: the caller falls back to 2D. */
  constructor(private readonly gl: WebGL2RenderingContext) {
    this.program({ array: false, hilbert: false, stage: 0 }); // fails here, not at the first draw, when shaders cannot build
    this.vao = gl.createVertexArray()!;
    this.maxTextureRows = gl.getParameter(gl.MAX_TEXTURE_SIZE) as number;
    this.palette = gl.createTexture()!;
    gl.bindTexture(gl.TEXTURE_2D, this.palette);
    gl.texStorage2D(gl.TEXTURE_2D, 1, gl.RGBA8, 256, 1);
    this.setNearest(gl.TEXTURE_2D);
    const one = (target: number, format: number, type: number, internal: number, data: Uint8Array) => {
      const t = gl.createTexture()!;
      gl.bindTexture(target, t);
      gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
      if (target === gl.TEXTURE_2D) gl.texImage2D(target, 0, internal, 1, 1, 0, format, type, data);
      else gl.texImage3D(target, 0, internal, 1, 1, 1, 0, format, type, data);
      this.setNearest(target);
      return t;
    };
    const u8 = Uint8Array.of(255);
    const rgba = Uint8Array.of(0, 0, 0, 255);
    this.empty = {
      u8: one(gl.TEXTURE_2D, gl.RED_INTEGER, gl.UNSIGNED_BYTE, gl.R8UI, u8),
      rgba: one(gl.TEXTURE_2D, gl.RGBA, gl.UNSIGNED_BYTE, gl.RGBA8, rgba),
      u8Array: one(gl.TEXTURE_2D_ARRAY, gl.RED_INTEGER, gl.UNSIGNED_BYTE, gl.R8UI, u8),
      rgbaArray: one(gl.TEXTURE_2D_ARRAY, gl.RGBA, gl.UNSIGNED_BYTE, gl.RGBA8, rgba),
    };
  }

  static create(canvas: HTMLCanvasElement): WebGlGridRenderer | null {
    const gl = canvas.getContext('webgl2', {
      alpha: false, antialias: false, depth: false, stencil: false, premultipliedAlpha: false,
      preserveDrawingBuffer: false, powerPreference: 'high-performance',
    });
    if (!gl) return null;
    try {
      return new WebGlGridRenderer(gl);
    } catch (e) {
      console.warn('framescope: WebGL2 grid unavailable, drawing in 2D', e);
      return null;
    }
  }

  /** The GL renderer string, where the browser tells it (e.g. to spot a software rasterizer). */
  rendererName(): string {
    const gl = this.gl;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    return String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
  }

  draw({ pyramid, view, dpr, width, height, range, shading }: DrawInput): void {
    const gl = this.gl;
    if (pyramid !== this.pyramid) this.setPyramid(pyramid);
    if (pyramid.highlight !== this.paletteHighlight) this.uploadPalette(pyramid.highlight);
    const cellPx = view.cellPx * dpr;
    const level = aggregationLevel(cellPx, pyramid.maxLevel);
    this.lastLevel = level;
    const layout = pyramid.layout;
    const { cols, rows } = layout;

    // Level 0 and 1 read the codes; a stored level its own layers.
    const codes = level < FIRST_STORED_LEVEL ? this.sync('codes', 0) : null;
    const marks0 = level < FIRST_STORED_LEVEL ? this.sync('marks0', 0) : null;
    const stored = level >= FIRST_STORED_LEVEL
      ? { mix: this.sync('mix', level), notable: this.sync('notable', level), marks: this.sync('marks', level),
          highlight: pyramid.highlight ? this.sync('highlight', level) : null }
      : null;
    const array = (codes ?? stored!.notable).target === gl.TEXTURE_2D_ARRAY;

    gl.viewport(0, 0, width, height);
    gl.disable(gl.SCISSOR_TEST);
    gl.clearColor(BACKGROUND_RGB[0], BACKGROUND_RGB[1], BACKGROUND_RGB[2], 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    // Only the pixels the grid covers run the shader: a fitted tall domain is a narrow strip.
    const x0 = Math.max(0, Math.floor(-view.originX * cellPx));
    const x1 = Math.min(width, Math.ceil((cols - view.originX) * cellPx));
    const y0 = Math.max(0, Math.floor(-view.originY * cellPx));
    const y1 = Math.min(height, Math.ceil((rows - view.originY) * cellPx));
    if (x1 <= x0 || y1 <= y0) return;
    gl.enable(gl.SCISSOR_TEST);
    gl.scissor(x0, height - y1, x1 - x0, y1 - y0);

    const hilbert = layout instanceof HilbertLayout ? layout : null;
    const stage = level === 0 ? 0 : level < FIRST_STORED_LEVEL ? 1 : 2;
    const { program, u } = this.program({ array, hilbert: hilbert !== null, stage });
    gl.useProgram(program);
    gl.bindVertexArray(this.vao);
    const target = array ? gl.TEXTURE_2D_ARRAY : gl.TEXTURE_2D;
    const bind = (unit: number, name: UniformName, tex: LevelTexture | null, rgba = false) => {
      gl.activeTexture(gl.TEXTURE0 + unit);
      const fallback = array ? (rgba ? this.empty.rgbaArray : this.empty.u8Array) : (rgba ? this.empty.rgba : this.empty.u8);
      gl.bindTexture(target, tex?.texture ?? fallback);
      gl.uniform1i(u[name], unit);
    };
    bind(0, 'uCodes', codes);
    bind(1, 'uMarks0', marks0);
    bind(2, 'uMix', stored?.mix ?? null, true);
    bind(3, 'uNotable', stored?.notable ?? null);
    bind(4, 'uMarks', stored?.marks ?? null);
    bind(5, 'uHighlight', stored?.highlight ?? null);
    gl.activeTexture(gl.TEXTURE6);
    gl.bindTexture(gl.TEXTURE_2D, this.palette);
    gl.uniform1i(u.uPalette, 6);

    gl.uniform1i(u.uLayerShift, (codes ?? stored!.notable).layerShift);
    gl.uniform3fv(u.uMarkColor, MARK_RGB);
    gl.uniform1f(u.uMarkFillBelowPx, MARK_STYLE.fillBelowPx * dpr);
    gl.uniform1f(u.uMarkRingFromPx, MARK_STYLE.ringFromPx * dpr);
    gl.uniform1f(u.uCanvasHeight, height);
    gl.uniform1f(u.uInvCellPx, 1 / cellPx);
    gl.uniform1f(u.uCellPx, cellPx);
    const ox = Math.floor(view.originX);
    const oy = Math.floor(view.originY);
    gl.uniform2i(u.uOriginInt, ox, oy);
    gl.uniform2f(u.uOriginFrac, view.originX - ox, view.originY - oy);
    gl.uniform1i(u.uCols, cols);
    gl.uniform1i(u.uRows, rows);
    gl.uniform1i(u.uFrames, layout.frames);
    gl.uniform1i(u.uOrder, hilbert?.order ?? 0);
    gl.uniform1i(u.uAcross, hilbert?.across ?? 1);
    gl.uniform1i(u.uLevel, level);
    gl.uniform1i(u.uLevelCols, level >= FIRST_STORED_LEVEL ? pyramid.levels[level]!.cols : 1);
    gl.uniform1i(u.uProportional, shading === 'proportional' ? 1 : 0);
    gl.uniform1i(u.uHasHighlight, pyramid.highlight ? 1 : 0);
    if (range) gl.uniform2i(u.uRange, range.first, range.last);
    else gl.uniform2i(u.uRange, 1, 0);
    gl.uniform3fv(u.uBackground, BACKGROUND_RGB);
    gl.uniform3fv(u.uTint, TINT_RGB);
    gl.uniform1f(u.uTintAmount, RANGE_TINT);
    gl.uniform1f(u.uDimAmount, DIM_AMOUNT);
    gl.uniform1f(u.uHighlightFloor, HIGHLIGHT_FLOOR);
    gl.uniform1f(u.uGapPx, cellPx >= GRID_LINE_MIN_CELL_PX ? Math.max(1, Math.round(dpr)) : 0);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
    gl.disable(gl.SCISSOR_TEST);
  }

  clear(width: number, height: number): void {
    const gl = this.gl;
    gl.viewport(0, 0, width, height);
    gl.disable(gl.SCISSOR_TEST);
    gl.clearColor(BACKGROUND_RGB[0], BACKGROUND_RGB[1], BACKGROUND_RGB[2], 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
  }

  dispose(): void {
    this.dropTextures();
    const gl = this.gl;
    gl.deleteTexture(this.palette);
    for (const t of Object.values(this.empty)) gl.deleteTexture(t);
    for (const p of this.programs.values()) gl.deleteProgram(p.program);
    gl.deleteVertexArray(this.vao);
  }

  private program(variant: ShaderVariant): GridProgram {
    const key = `${variant.array}:${variant.hilbert}:${variant.stage}`;
    let p = this.programs.get(key);
    if (!p) {
      p = link(this.gl, variant);
      this.programs.set(key, p);
    }
    return p;
  }

  private setPyramid(pyramid: FramePyramid): void {
    this.dropTextures();
    this.pyramid = pyramid;
    this.paletteHighlight = undefined;
  }

  private dropTextures(): void {
    for (const t of this.textures.values()) this.gl.deleteTexture(t.texture);
    this.textures.clear();
  }

  /** The palette, its alpha 255 where the highlight takes the code (or everywhere without one). */
  private uploadPalette(highlight: Uint8Array | null): void {
    const gl = this.gl;
    const rgba = paletteRgba();
    for (let code = 0; code < 256; code++) rgba[code * 4 + 3] = highlight === null || highlight[code] ? 255 : 0;
    gl.bindTexture(gl.TEXTURE_2D, this.palette);
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
    gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, 256, 1, gl.RGBA, gl.UNSIGNED_BYTE, rgba);
    this.paletteHighlight = highlight;
  }

  /** The texture of a layer at a level, created on first use and brought up to date with the pyramid. */
  private sync(key: TextureKey, level: number): LevelTexture {
    const pyramid = this.pyramid!;
    const name = `${key}:${level}`;
    const texelBytes = key === 'mix' ? 4 : key === 'highlight' ? 2 : 1;
    const length = level === 0 ? pyramid.layout.frames : pyramid.levels[level]!.length;
    const dirtyLayer: Layer = key === 'codes' ? 'notable' : key === 'marks0' ? 'marks' : key;
    let tex = this.textures.get(name);
    let span: { start: number; end: number } | null;
    if (!tex) {
      tex = this.createTexture(Math.max(1, Math.ceil(length / TEX_WIDTH)), texelBytes);
      this.textures.set(name, tex);
      pyramid.takeDirty(level, dirtyLayer);
      span = { start: 0, end: length };
    } else {
      span = pyramid.takeDirty(level, dirtyLayer);
    }
    if (span) {
      if (key === 'marks0') this.uploadMarks(tex, span.start, span.end);
      else this.upload(tex, this.dataOf(key, level), length, span.start, span.end, key === 'codes' ? 255 : key === 'mix' ? 0 : 255);
    }
    return tex;
  }

  private dataOf(key: TextureKey, level: number): Uint8Array {
    const pyramid = this.pyramid!;
    if (key === 'codes') return pyramid.codes;
    const lvl = pyramid.levels[level]!;
    if (key === 'mix') return new Uint8Array(lvl.mix.buffer, lvl.mix.byteOffset, lvl.mix.byteLength);
    if (key === 'notable') return lvl.notable;
    if (key === 'marks') return lvl.marks;
    return lvl.highlight ?? new Uint8Array(2 * lvl.length).fill(255);
  }

  private createTexture(rows: number, texelBytes: number): LevelTexture {
    const gl = this.gl;
    const texture = gl.createTexture()!;
    const internal = texelBytes === 4 ? gl.RGBA8 : texelBytes === 2 ? gl.RG8UI : gl.R8UI;
    if (rows <= this.maxTextureRows) {
      gl.bindTexture(gl.TEXTURE_2D, texture);
      gl.texStorage2D(gl.TEXTURE_2D, 1, internal, TEX_WIDTH, rows);
      this.setNearest(gl.TEXTURE_2D);
      return { texture, target: gl.TEXTURE_2D, layerShift: 0, layerRows: rows, texelBytes };
    }
    const layerRows = 2 ** LAYER_ROWS_SHIFT;
    gl.bindTexture(gl.TEXTURE_2D_ARRAY, texture);
    gl.texStorage3D(gl.TEXTURE_2D_ARRAY, 1, internal, TEX_WIDTH, layerRows, Math.ceil(rows / layerRows));
    this.setNearest(gl.TEXTURE_2D_ARRAY);
    return { texture, target: gl.TEXTURE_2D_ARRAY, layerShift: LAYER_ROWS_SHIFT, layerRows, texelBytes };
  }

  /** Puts `count` texel rows from `src` (at byte `offset`) at texel row `row`. */
  private put(tex: LevelTexture, row: number, count: number, src: Uint8Array, offset: number): void {
    const gl = this.gl;
    const format = tex.texelBytes === 4 ? gl.RGBA : tex.texelBytes === 2 ? gl.RG_INTEGER : gl.RED_INTEGER;
    const layer = Math.floor(row / tex.layerRows);
    const y = row - layer * tex.layerRows;
    if (tex.target === gl.TEXTURE_2D) {
      gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, y, TEX_WIDTH, count, format, gl.UNSIGNED_BYTE, src, offset);
    } else {
      gl.texSubImage3D(gl.TEXTURE_2D_ARRAY, 0, 0, y, layer, TEX_WIDTH, count, 1, format, gl.UNSIGNED_BYTE, src, offset);
    }
  }

  /**
   * Uploads the texel rows holding entries [start, end) of a layer's `length` entries; data[0]
   * is entry 0 of texel row `rowOffset` (a page of marks sits further down its texture).
   */
  private upload(tex: LevelTexture, data: Uint8Array, length: number, start: number, end: number, pad: number, rowOffset = 0): void {
    const gl = this.gl;
    end = Math.min(end, length);
    if (end <= start) return;
    gl.bindTexture(tex.target, tex.texture);
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
    const bpt = tex.texelBytes;
    const firstRow = Math.floor(start / TEX_WIDTH);
    const lastRow = Math.floor((end - 1) / TEX_WIDTH);
    const fullRows = Math.floor(length / TEX_WIDTH); // rows with all TEX_WIDTH entries
    for (let row = firstRow; row <= lastRow; ) {
      if (row >= fullRows) {
        // The last row is partial: pad it, as the upload reads whole rows.
        const tail = this.tailRow.subarray(0, TEX_WIDTH * bpt);
        tail.fill(pad);
        tail.set(data.subarray(row * TEX_WIDTH * bpt, length * bpt));
        this.put(tex, rowOffset + row, 1, tail, 0);
        row++;
        continue;
      }
      // One upload per layer at most.
      const layerEnd = (Math.floor((rowOffset + row) / tex.layerRows) + 1) * tex.layerRows - rowOffset;
      const endRow = Math.min(lastRow + 1, fullRows, layerEnd);
      this.put(tex, rowOffset + row, endRow - row, data, row * TEX_WIDTH * bpt);
      row = endRow;
    }
  }

  /** Uploads the level-0 marks of frames [start, end) page by page: "not marked" where a page was never made. */
  private uploadMarks(tex: LevelTexture, start: number, end: number): void {
    const marks = this.pyramid!.buffer.marks;
    const length = this.pyramid!.layout.frames;
    end = Math.min(end, length);
    // A page is a whole number of texel rows (MARK_PAGE_FRAMES is a multiple of TEX_WIDTH).
    for (let p = Math.floor(start / MARK_PAGE_FRAMES); p * MARK_PAGE_FRAMES < end; p++) {
      const base = p * MARK_PAGE_FRAMES;
      const src = marks.pageOf(base) ?? this.unmarked;
      const pageLength = Math.min(MARK_PAGE_FRAMES, length - base);
      const lo = Math.max(start, base) - base;
      const hi = Math.min(end, base + pageLength) - base;
      this.upload(tex, src, pageLength, lo, hi, 255, base / TEX_WIDTH);
    }
  }

  private setNearest(target: number): void {
    const gl = this.gl;
    gl.texParameteri(target, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(target, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    gl.texParameteri(target, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(target, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
  }
}
