/**
 * Where parts of the UI outside the grid register what window.__framescope (installed by the
 * GridController) asks them for; each part sets its own entry while it is mounted.
 */
export const testProbes: {
  timelinePoint?: (index: number) => { x: number; y: number } | null;
} = {};
