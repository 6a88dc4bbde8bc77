/**
 * The frame grid on the GPU (WebGL2). Frame codes live in an R8UI texture, 4096 texels per
 * row, as many rows as needed (16.8 M frames: 4096 x 4112); each pyramid level has its own.
 * A level too tall for MAX_TEXTURE_SIZE goes into a 2D array texture of 1024-row layers
 * instead, so a guest of any size fits. One fullscreen quad is drawn: its fragment shader maps
 * each pixel through the view uniforms to a cell, fetches the cell's code (texelFetch) and
 * looks its colour up in a 256x1 palette texture. Pan and zoom change only uniforms; a chunk
 * re-uploads only the texel rows it touched (texSubImage2D), and only for the level being
 * drawn, the others catching up when next used. The change marks of each level ride along in
 * textures of the same shape, and the shader draws them over the cells (see MARK_STYLE).
 */
import { GRID_COLORS, MARK_STYLE, RANGE_TINT, paletteRgba, parseHex } from './palette';
import type { DrawInput, GridRenderer } from './renderer';
import type { Layer, StatusPyramid } from './status-pyramid';
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

/** The fragment shader, reading a plain 2D texture or (array) a 2D array texture. */
function fragmentShader(array: boolean): string {
  const sampler = array ? 'usampler2DArray' : 'usampler2D';
  const fetchFrom = (tex: string) => array
    ? `texelFetch(${tex}, ivec3(index & TEX_MASK, texRow & ((1 << uLayerShift) - 1), texRow >> uLayerShift), 0).r`
    : `texelFetch(${tex}, ivec2(index & TEX_MASK, texRow), 0).r`;
  return `#version 300 es
precision highp float;
precision highp int;
precision highp ${sampler};

#define TEX_SHIFT ${TEX_SHIFT}
#define TEX_MASK ${TEX_WIDTH - 1}

uniform ${sampler} uCodes;        // the level being drawn, ${TEX_WIDTH} texels per row
uniform ${sampler} uMarks;        // its change marks: 255 = not marked
uniform sampler2D uPalette;       // 256 x 1, one colour per code
uniform float uCanvasHeight;      // device pixels
uniform float uInvCellPx;         // cells per device pixel
uniform float uCellPx;            // device pixels per cell
uniform ivec2 uOriginInt;         // grid cell at the canvas's top-left corner...
uniform vec2 uOriginFrac;         // ...and the fraction of it that is scrolled off
uniform int uCols;                // frames per row
uniform int uRows;
uniform int uFrames;
uniform int uShift;               // level: blocks of 2^uShift x 2^uShift cells
uniform int uLevelCols;           // blocks per row at this level
uniform int uLayerShift;          // array textures: log2 of the texel rows per layer
uniform ivec2 uRange;             // tinted frames, first..last (first > last: none)
uniform vec3 uBackground;
uniform vec3 uTint;
uniform float uTintAmount;
uniform float uGapPx;             // gap between cells (0 when zoomed out)
uniform vec3 uMarkColor;
uniform float uMarkFillBelowPx;   // cells narrower than this are filled when marked
uniform float uMarkRingFromPx;    // cells at least this wide get a ring, narrower ones a dot

out vec4 outColor;

void main() {
  vec2 p = vec2(gl_FragCoord.x, uCanvasHeight - gl_FragCoord.y);
  vec2 g = p * uInvCellPx + uOriginFrac;
  vec2 gi = floor(g);
  ivec2 cell = ivec2(gi) + uOriginInt;
  int gfn = cell.y * uCols + cell.x;
  // Off the grid, or past the last frame of a partial last row. (The scissor keeps most
  // off-grid pixels from running at all.)
  if (cell.x < 0 || cell.y < 0 || cell.x >= uCols || gfn >= uFrames) {
    outColor = vec4(uBackground, 1.0);
    return;
  }
  int index = (cell.y >> uShift) * uLevelCols + (cell.x >> uShift);
  int texRow = index >> TEX_SHIFT;
  uint code = ${fetchFrom('uCodes')};
  vec3 color = texelFetch(uPalette, ivec2(int(code), 0), 0).rgb;
  if (gfn >= uRange.x && gfn <= uRange.y) color = mix(color, uTint, uTintAmount);
  vec2 f = (g - gi) * uCellPx;    // where in its cell the pixel is, device pixels
  uint mark = ${fetchFrom('uMarks')};
  if (mark != 255u) {
    if (uCellPx < uMarkFillBelowPx) {
      color = uMarkColor;
    } else {
      // Distance from the edge of the cell's visible square (the gap is its top and left).
      float d = min(min(f.x - uGapPx, f.y - uGapPx), min(uCellPx - f.x, uCellPx - f.y));
      float side = uCellPx - uGapPx;
      if (uCellPx >= uMarkRingFromPx) {
        if (d >= 0.0 && d < max(1.0, floor(side / 5.0))) color = uMarkColor;
      } else if (d >= floor(side / 4.0)) {
        color = uMarkColor;
      }
    }
  }
  if (uGapPx > 0.0 && (f.x < uGapPx || f.y < uGapPx)) color = mix(color, uBackground, 0.8);
  outColor = vec4(color, 1.0);
}`;
}

const UNIFORMS = [
  'uCodes', 'uMarks', 'uPalette', 'uCanvasHeight', 'uInvCellPx', 'uCellPx', 'uOriginInt', 'uOriginFrac', 'uCols', 'uFrames',
  'uShift', 'uLevelCols', 'uLayerShift', 'uRange', 'uBackground', 'uTint', 'uTintAmount', 'uGapPx', 'uMarkColor',
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
}

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

function link(gl: WebGL2RenderingContext, array: boolean): GridProgram {
  const vs = compile(gl, gl.VERTEX_SHADER, VERTEX_SHADER);
  const fs = compile(gl, gl.FRAGMENT_SHADER, fragmentShader(array));
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
  private readonly plain: GridProgram;
  /** Built when a level first needs an array texture. */
  private layered: GridProgram | null = null;
  private readonly vao: WebGLVertexArrayObject;
  private readonly palette: WebGLTexture;
  private readonly maxTextureRows: number;
  private pyramid: StatusPyramid | null = null;
  /** Textures per layer and level; level 0 (the codes) lives under 'notable' only. */
  private textures: Record<Layer, (LevelTexture | null)[]> = { notable: [], common: [], marks: [] };
  /** Scratch for the last, partial texel row of a level. */
  private readonly tailRow = new Uint8Array(TEX_WIDTH);

  /** Throws when the shaders do not build: the caller falls back to 2D. */
  constructor(private readonly gl: WebGL2RenderingContext) {
    this.plain = link(gl, false);
    this.vao = gl.createVertexArray()!;
    this.maxTextureRows = gl.getParameter(gl.MAX_TEXTURE_SIZE) as number;
    this.palette = gl.createTexture()!;
    gl.bindTexture(gl.TEXTURE_2D, this.palette);
    gl.texStorage2D(gl.TEXTURE_2D, 1, gl.RGBA8, 256, 1);
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
    gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, 256, 1, gl.RGBA, gl.UNSIGNED_BYTE, paletteRgba());
    this.setNearest(gl.TEXTURE_2D);
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

  draw({ pyramid, view, dpr, width, height, range, aggregation }: DrawInput): void {
    const gl = this.gl;
    if (pyramid !== this.pyramid) this.setPyramid(pyramid);
    const cellPx = view.cellPx * dpr;
    const level = aggregationLevel(cellPx, pyramid.maxLevel);
    this.lastLevel = level;
    const tex = this.syncLevel(level, level === 0 ? 'notable' : aggregation);
    const marks = this.syncLevel(level, 'marks');
    const { cols, rows } = pyramid.geom;

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

    const { program, u } = tex.target === gl.TEXTURE_2D ? this.plain : (this.layered ??= link(gl, true));
    gl.useProgram(program);
    gl.bindVertexArray(this.vao);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(tex.target, tex.texture);
    gl.activeTexture(gl.TEXTURE1);
    gl.bindTexture(gl.TEXTURE_2D, this.palette);
    gl.activeTexture(gl.TEXTURE2);
    gl.bindTexture(marks.target, marks.texture);
    gl.uniform1i(u.uCodes, 0);
    gl.uniform1i(u.uPalette, 1);
    gl.uniform1i(u.uMarks, 2);
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
    gl.uniform1i(u.uFrames, pyramid.buffer.frames);
    gl.uniform1i(u.uShift, level);
    gl.uniform1i(u.uLevelCols, pyramid.levels[level].cols);
    gl.uniform1i(u.uLayerShift, tex.layerShift);
    if (range) gl.uniform2i(u.uRange, range.first, range.last);
    else gl.uniform2i(u.uRange, 1, 0);
    gl.uniform3fv(u.uBackground, BACKGROUND_RGB);
    gl.uniform3fv(u.uTint, TINT_RGB);
    gl.uniform1f(u.uTintAmount, RANGE_TINT);
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
    this.gl.deleteTexture(this.palette);
    this.gl.deleteProgram(this.plain.program);
    if (this.layered) this.gl.deleteProgram(this.layered.program);
    this.gl.deleteVertexArray(this.vao);
  }

  private setPyramid(pyramid: StatusPyramid): void {
    this.dropTextures();
    this.pyramid = pyramid;
  }

  private dropTextures(): void {
    for (const list of Object.values(this.textures)) for (const t of list) if (t) this.gl.deleteTexture(t.texture);
    this.textures = { notable: [], common: [], marks: [] };
  }

  /** The level's texture of a layer, created on first use and brought up to date with the pyramid. */
  private syncLevel(level: number, layer: Layer): LevelTexture {
    const gl = this.gl;
    const lvl = this.pyramid!.levels[level];
    const data = layer === 'marks' ? lvl.marks : lvl.data[layer];
    const length = Math.min(lvl.length, data.length);
    let tex = this.textures[layer][level];
    if (!tex) {
      tex = this.createTexture(Math.max(1, Math.ceil(length / TEX_WIDTH)));
      this.textures[layer][level] = tex;
      this.pyramid!.takeDirty(level, layer);
      this.upload(tex, data, length, 0, length, layer === 'marks' ? 255 : 0);
      return tex;
    }
    const dirty = this.pyramid!.takeDirty(level, layer);
    if (dirty) this.upload(tex, data, length, dirty.start, dirty.end, layer === 'marks' ? 255 : 0);
    gl.bindTexture(tex.target, tex.texture);
    return tex;
  }

  private createTexture(rows: number): LevelTexture {
    const gl = this.gl;
    const texture = gl.createTexture()!;
    if (rows <= this.maxTextureRows) {
      gl.bindTexture(gl.TEXTURE_2D, texture);
      gl.texStorage2D(gl.TEXTURE_2D, 1, gl.R8UI, TEX_WIDTH, rows);
      this.setNearest(gl.TEXTURE_2D);
      return { texture, target: gl.TEXTURE_2D, layerShift: 0, layerRows: rows };
    }
    const layerRows = 2 ** LAYER_ROWS_SHIFT;
    gl.bindTexture(gl.TEXTURE_2D_ARRAY, texture);
    gl.texStorage3D(gl.TEXTURE_2D_ARRAY, 1, gl.R8UI, TEX_WIDTH, layerRows, Math.ceil(rows / layerRows));
    this.setNearest(gl.TEXTURE_2D_ARRAY);
    return { texture, target: gl.TEXTURE_2D_ARRAY, layerShift: LAYER_ROWS_SHIFT, layerRows };
  }

  /** Uploads the texel rows holding entries [start, end) of a level's `length` entries. */
  private upload(tex: LevelTexture, data: Uint8Array, length: number, start: number, end: number, pad: number): void {
    const gl = this.gl;
    end = Math.min(end, length);
    if (end <= start) return;
    gl.bindTexture(tex.target, tex.texture);
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
    const put = (row: number, count: number, src: Uint8Array, offset: number) => {
      const layer = Math.floor(row / tex.layerRows);
      const y = row - layer * tex.layerRows;
      if (tex.target === gl.TEXTURE_2D) {
        gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, y, TEX_WIDTH, count, gl.RED_INTEGER, gl.UNSIGNED_BYTE, src, offset);
      } else {
        gl.texSubImage3D(gl.TEXTURE_2D_ARRAY, 0, 0, y, layer, TEX_WIDTH, count, 1, gl.RED_INTEGER, gl.UNSIGNED_BYTE, src, offset);
      }
    };
    const firstRow = Math.floor(start / TEX_WIDTH);
    const lastRow = Math.floor((end - 1) / TEX_WIDTH);
    const fullRows = Math.floor(length / TEX_WIDTH); // rows with all TEX_WIDTH entries
    for (let row = firstRow; row <= lastRow; ) {
      if (row >= fullRows) {
        // The last row is partial: pad it, as the upload reads whole rows.
        this.tailRow.fill(pad);
        this.tailRow.set(data.subarray(row * TEX_WIDTH, length));
        put(row, 1, this.tailRow, 0);
        row++;
        continue;
      }
      // One upload per layer at most.
      const layerEnd = (Math.floor(row / tex.layerRows) + 1) * tex.layerRows;
      const endRow = Math.min(lastRow + 1, fullRows, layerEnd);
      put(row, endRow - row, data, row * TEX_WIDTH);
      row = endRow;
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
