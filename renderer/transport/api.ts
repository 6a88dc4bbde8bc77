/**
 * Where the renderer's FramescopeApi comes from. In Electron the preload exposes it as
 * `window.framescope` (contextBridge); in a plain browser the page was served by the headless
 * server (app/server.ts) and the API travels over its WebSocket. The rest of the renderer sees
 * only FramescopeApi and never knows which.
 */
import type { FramescopeApi } from '../../app/api';
import { connectWebSocketApi, webSocketUrlFromLocation } from './ws-client';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in a browser. */
    framescope?: FramescopeApi;
  }
}

export interface ApiConnection {
  api: FramescopeApi;
  transport: 'electron' | 'websocket';
  /** WebSocket only: calls back with 'open' / 'closed'; returns the unsubscribe. */
  onConnectionChange?(cb: (state: 'open' | 'closed') => void): () => void;
}

export async function connectApi(): Promise<ApiConnection> {
  if (window.framescope) return { api: window.framescope, transport: 'electron' };
  const ws = await connectWebSocketApi(webSocketUrlFromLocation(window.location));
  return { api: ws, transport: 'websocket', onConnectionChange: (cb) => ws.onConnectionChange(cb) };
}

export async function getApi(): Promise<FramescopeApi> {
  return (await connectApi()).api;
}
