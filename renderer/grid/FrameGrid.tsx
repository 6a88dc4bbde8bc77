/**
 * The frame grid: React renders the frame of it once (canvases, scrollbars, tooltip, box
 * prompt); GridController draws and handles input outside React.
 */
import { useEffect, useRef, useState } from 'react';

import { useFramescopeStore, useFs } from '../store/react';
import { BoxPrompt } from './BoxPrompt';
import { type GridElements, GridController, preferredRenderer } from './grid-controller';
import { GridToolbar } from './GridToolbar';
import { GridTooltip } from './GridTooltip';
import type { RendererKind } from './renderer';

export function FrameGrid() {
  const store = useFramescopeStore();
  const refs = {
    viewport: useRef<HTMLDivElement>(null),
    canvas: useRef<HTMLCanvasElement>(null),
    overlay: useRef<HTMLCanvasElement>(null),
    labels: useRef<HTMLCanvasElement>(null),
    ruler: useRef<HTMLCanvasElement>(null),
    vTrack: useRef<HTMLDivElement>(null),
    vThumb: useRef<HTMLDivElement>(null),
    hTrack: useRef<HTMLDivElement>(null),
    hThumb: useRef<HTMLDivElement>(null),
  };
  const [rendererKind, setRendererKind] = useState<RendererKind | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const frames = useFs((s) => s.domains.find((d) => d.id === s.domainId)?.frames);
  const bufferFrames = useFs((s) => s.frameBuffer()?.frames ?? 0);

  useEffect(() => {
    const elements = Object.fromEntries(Object.entries(refs).map(([k, r]) => [k, r.current])) as unknown as GridElements;
    let controller: GridController;
    try {
      controller = new GridController(store, elements, preferredRenderer(window.location.search));
    } catch (e) {
      setFailure(e instanceof Error ? e.message : String(e));
      return;
    }
    setRendererKind(controller.rendererKind);
    return () => controller.dispose();
    // The elements live as long as this component: one controller per mount (refs are stable).
  }, [store]);

  return (
    <div className="grid-block">
      <GridToolbar rendererKind={rendererKind} />
      <div className="grid-frame">
        <div className="grid-corner" aria-hidden="true">
          <span>gfn</span>
          <span>address</span>
        </div>
        <canvas ref={refs.ruler} className="grid-ruler" aria-hidden="true" />
        <div className="grid-corner-right" />
        <canvas ref={refs.labels} className="grid-labels" aria-hidden="true" />
        <div
          ref={refs.viewport}
          className="grid-viewport"
          tabIndex={0}
          role="application"
          aria-label="Frame grid: wheel or +/- to zoom, drag or arrow keys to pan, click to select a frame, shift+drag to select a range to rescan"
          data-testid="grid-viewport"
        >
          <canvas ref={refs.canvas} className="grid-canvas" data-testid="frame-grid" />
          <canvas ref={refs.overlay} className="grid-overlay" aria-hidden="true" />
          <GridTooltip />
          <BoxPrompt />
          {failure && (
            <div className="grid-message" role="alert">
              The grid cannot draw here: {failure}
            </div>
          )}
          {!failure && frames === null && bufferFrames === 0 && (
            <div className="grid-message">
              Xen did not say how many frames this domain has. Give a range and scan: the grid grows to what the scan reports.
            </div>
          )}
        </div>
        <div ref={refs.vTrack} className="scroll-track scroll-v">
          <div ref={refs.vThumb} className="scroll-thumb" />
        </div>
        <div />
        <div ref={refs.hTrack} className="scroll-track scroll-h">
          <div ref={refs.hThumb} className="scroll-thumb" />
        </div>
      </div>
    </div>
  );
}
