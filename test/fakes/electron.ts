/**
 * Electron's own modules, stubbed at the edge so that main/ and the preload run for real under
 * plain Node (the Electron binary cannot be downloaded on these machines). Importing this
 * module puts the stub where `require('electron')` finds it: import it before anything that
 * imports 'electron'.
 *
 * What it stands in for, as Electron behaves:
 *  - ipcMain and ipcRenderer are joined: invoke structured-clones the arguments and the answer,
 *    the event's sender is the window the preload was loaded in, its frame that window's main
 *    frame (a test may point it elsewhere to play an iframe or another page), a second handler
 *    for one channel throws, and an error thrown by a handler rejects with Electron's wording;
 *  - contextBridge collects what the preload exposes (`exposed`), as the page would see it;
 *  - webUtils.getPathForFile knows only files "from the disk" (`diskFile`), '' for the rest;
 *  - dialogs answer from a script (`answerDialog`), in order, and refuse when none is queued;
 *  - app.getPath is a temporary directory; the menu, recent documents, openExternal and the
 *    exit code are recorded; whenReady resolves when a test starts main (`startMain`), and a
 *    BrowserWindow is a fake window whose page the test loads the preload into.
 * Nothing of ours is faked here.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MessageChannel, MessagePort } from 'node:worker_threads';

type Handler = (event: unknown, ...args: unknown[]) => unknown;
type RendererListener = (event: { ports: MessagePort[]; sender: unknown }, ...args: unknown[]) => void;

export interface FakeFrame {
  url: string;
}

export interface FakeWebContents extends EventEmitter {
  mainFrame: FakeFrame;
  send(channel: string, ...args: unknown[]): void;
  postMessage(channel: string, message: unknown, ports?: MessagePort[]): void;
  getURL(): string;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void;
  windowOpenHandler?: (details: { url: string }) => { action: string };
}

export interface FakeWindow extends EventEmitter {
  webContents: FakeWebContents;
  destroyed: boolean;
  isDestroyed(): boolean;
  isMinimized(): boolean;
  restore(): void;
  focus(): void;
}

export type DialogAnswer =
  | { kind: 'open'; filePaths: string[]; canceled?: boolean }
  | { kind: 'save'; filePath: string | undefined; canceled?: boolean };

const APP_PAGE = 'app://framescope/index.html';

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

class ElectronStub {
  readonly handlers = new Map<string, Handler>();
  readonly rendererListeners = new Map<string, RendererListener[]>();
  /** What the preload exposed with contextBridge: the page's window.framescope and co. */
  readonly exposed: Record<string, unknown> = {};
  readonly dialogCalls: Array<{ kind: 'open' | 'save' | 'message' | 'error'; options: unknown }> = [];
  readonly openedExternally: string[] = [];
  readonly recentDocuments: string[] = [];
  readonly appListeners = new EventEmitter();
  private readonly answers: DialogAnswer[] = [];
  private readonly diskFiles = new WeakMap<object, string>();
  private readonly ports: MessagePort[] = [];
  /** The window whose page the preload runs in: the sender of every invoke. */
  rendererWindow: FakeWindow | null = null;
  /** Overrides the sending frame (an iframe, another page); null: the window's main frame. */
  senderFrame: FakeFrame | null = null;
  menu: unknown = null;
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-electron-'));
  exitCode: number | null = null;
  quitCalls = 0;
  singleInstance = true;
  /** What main asked of Electron at start: the single-instance lock, the app:// scheme. */
  singleInstanceRequested = false;
  schemesRegistered = false;
  /** Every BrowserWindow main/ created, with the options it was created with. */
  readonly windows: Array<{ win: FakeWindow; options: unknown }> = [];
  private ready = deferred<void>();
  private windowCreated = deferred<FakeWindow>();

  // --- what `require('electron')` returns -------------------------------------------------
  readonly module = {
    ipcMain: {
      handle: (channel: string, handler: Handler) => {
        if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
        this.handlers.set(channel, handler);
      },
      removeHandler: (channel: string) => void this.handlers.delete(channel),
    },
    ipcRenderer: {
      invoke: (channel: string, ...args: unknown[]) => this.invoke(channel, args),
      on: (channel: string, listener: RendererListener) => {
        this.rendererListeners.set(channel, [...(this.rendererListeners.get(channel) ?? []), listener]);
      },
    },
    contextBridge: {
      exposeInMainWorld: (key: string, api: unknown) => {
        if (Object.hasOwn(this.exposed, key)) throw new Error(`Cannot bind an API on top of an existing property on the window object: ${key}`);
        this.exposed[key] = api;
      },
    },
    webUtils: {
      getPathForFile: (file: unknown) => (typeof file === 'object' && file !== null ? this.diskFiles.get(file) ?? '' : ''),
    },
    dialog: {
      showOpenDialog: (...a: unknown[]) => this.dialog('open', a.at(-1)),
      showSaveDialog: (...a: unknown[]) => this.dialog('save', a.at(-1)),
      showMessageBox: async (...a: unknown[]) => {
        this.dialogCalls.push({ kind: 'message', options: a.at(-1) });
        return { response: 0, checkboxChecked: false };
      },
      showErrorBox: (title: string, content: string) => void this.dialogCalls.push({ kind: 'error', options: { title, content } }),
    },
    app: {
      getPath: (name: string) => path.join(this.home, name),
      getVersion: () => '0.0.0-stub',
      addRecentDocument: (p: string) => void this.recentDocuments.push(p),
      isPackaged: false,
      on: (event: string, listener: (...a: unknown[]) => void) => this.appListeners.on(event, listener),
      once: (event: string, listener: (...a: unknown[]) => void) => this.appListeners.once(event, listener),
      whenReady: () => this.ready.promise,
      requestSingleInstanceLock: () => {
        this.singleInstanceRequested = true;
        return this.singleInstance;
      },
      quit: () => void this.quitCalls++,
      exit: (code = 0) => void (this.exitCode = code),
    },
    Menu: {
      buildFromTemplate: (template: unknown) => ({ template }),
      setApplicationMenu: (menu: unknown) => void (this.menu = menu),
    },
    shell: {
      openExternal: async (url: string) => void this.openedExternally.push(url),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: () => {},
        setPermissionCheckHandler: () => {},
      },
    },
    protocol: {
      registerSchemesAsPrivileged: () => void (this.schemesRegistered = true),
      handle: () => {},
    },
    screen: {
      getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }],
    },
    BrowserWindow: class {
      constructor(options: unknown) {
        const win = Object.assign(stub.fakeWindow(), {
          loadURL: async (url: string) => void (win.webContents.mainFrame.url = url),
          show: () => {},
          maximize: () => {},
          isMaximized: () => false,
          getNormalBounds: () => ({ x: 0, y: 0, width: 1440, height: 900 }),
        });
        stub.windows.push({ win, options });
        stub.windowCreated.resolve(win);
        return win;
      }
    },
    MessageChannelMain: class {
      readonly port1: MessagePort;
      readonly port2: MessagePort;
      constructor() {
        const { port1, port2 } = new MessageChannel();
        [this.port1, this.port2] = [port1, port2];
        stub.ports.push(port1, port2);
      }
    },
  };

  // --- what tests use ---------------------------------------------------------------------

  /** The app's main window, showing the app's page (or `url`). */
  fakeWindow(url = APP_PAGE): FakeWindow {
    const webContents = Object.assign(new EventEmitter(), {
      mainFrame: { url },
      send: (channel: string, ...args: unknown[]) => this.toRenderer(channel, [], args),
      postMessage: (channel: string, message: unknown, ports: MessagePort[] = []) => this.toRenderer(channel, ports, [message]),
      getURL: () => webContents.mainFrame.url,
      setWindowOpenHandler: (handler: (details: { url: string }) => { action: string }) => void (webContents.windowOpenHandler = handler),
    }) as FakeWebContents;
    const win = Object.assign(new EventEmitter(), {
      webContents,
      destroyed: false,
      isDestroyed: () => win.destroyed,
      isMinimized: () => false,
      restore: () => {},
      focus: () => {},
    }) as FakeWindow;
    return win;
  }

  /**
   * Runs main/main.js afresh, as Electron does at start: `argv` is process.argv, `defaultApp`
   * process.defaultApp (true under `electron .`, absent in a packaged app); the app becomes
   * ready at once.
   */
  runMain(argv: string[], defaultApp = argv[1] === '.'): void {
    const main = require.resolve('../../main/main');
    delete require.cache[main];
    const saved = { argv: process.argv, defaultApp: Object.getOwnPropertyDescriptor(process, 'defaultApp') };
    process.argv = argv;
    Object.defineProperty(process, 'defaultApp', { value: defaultApp || undefined, configurable: true, writable: true });
    try {
      require(main);
    } finally {
      process.argv = saved.argv;
      if (saved.defaultApp) Object.defineProperty(process, 'defaultApp', saved.defaultApp);
      else delete (process as { defaultApp?: boolean }).defaultApp;
    }
    this.ready.resolve();
  }

  /** runMain, then the window main.ts opens once its ready handler has run. */
  async startMain(argv: string[]): Promise<FakeWindow> {
    const saved = process.argv;
    this.runMain(argv);
    // the ready handler reads process.argv too
    process.argv = argv;
    try {
      return await this.windowCreated.promise;
    } finally {
      process.argv = saved;
    }
  }

  /** Resolves with the code main exits with (app.exit). */
  async exited(): Promise<number> {
    while (this.exitCode === null) await new Promise((r) => setTimeout(r, 5));
    return this.exitCode;
  }

  /** What quitting does: 'will-quit', which main may delay (preventDefault) to close the inspector. */
  async quit(): Promise<void> {
    const quits = this.quitCalls;
    let delayed = false;
    this.appListeners.emit('will-quit', { preventDefault: () => (delayed = true) });
    if (!delayed) return;
    while (this.quitCalls === quits) await new Promise((r) => setTimeout(r, 5));
  }

  /** Loads the real preload into `win`'s page; what it exposes lands in `exposed`. */
  loadPreload(win: FakeWindow): void {
    this.rendererWindow = win;
    const preload = require.resolve('../../main/preload');
    delete require.cache[preload];
    require(preload);
  }

  /** The answer the next dialog gives, as if the user had chosen it. */
  answerDialog(answer: DialogAnswer): void {
    this.answers.push(answer);
  }

  /** A File as a drop or a file input gives it: backed by `filePath` on the disk. */
  diskFile(filePath: string): File {
    const file = new File([], path.basename(filePath));
    this.diskFiles.set(file, filePath);
    return file;
  }

  /** Forgets every handler, listener, exposed API and queued answer; closes the ports. */
  reset(): void {
    this.handlers.clear();
    this.rendererListeners.clear();
    for (const key of Object.keys(this.exposed)) delete this.exposed[key];
    this.answers.length = 0;
    this.dialogCalls.length = 0;
    this.openedExternally.length = 0;
    this.recentDocuments.length = 0;
    this.appListeners.removeAllListeners();
    for (const port of this.ports.splice(0)) port.close();
    this.rendererWindow = null;
    this.senderFrame = null;
    this.menu = null;
    this.exitCode = null;
    this.quitCalls = 0;
    this.singleInstance = true;
    this.singleInstanceRequested = false;
    this.schemesRegistered = false;
    this.windows.length = 0;
    this.ready = deferred<void>();
    this.windowCreated = deferred<FakeWindow>();
    fs.rmSync(this.home, { recursive: true, force: true });
    this.home = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-electron-'));
  }

  private async invoke(channel: string, args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    const win = this.rendererWindow;
    if (!handler) throw new Error(`Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`);
    if (!win) throw new Error('the preload is not loaded in a window');
    const event = { sender: win.webContents, senderFrame: this.senderFrame ?? win.webContents.mainFrame, ports: [] };
    try {
      return structuredClone(await handler(event, ...structuredClone(args)));
    } catch (e) {
      throw new Error(`Error invoking remote method '${channel}': ${String(e)}`);
    }
  }

  private toRenderer(channel: string, ports: MessagePort[], args: unknown[]): void {
    const event = { ports, sender: null };
    for (const listener of this.rendererListeners.get(channel) ?? []) listener(event, ...structuredClone(args));
  }

  private async dialog(kind: 'open' | 'save', options: unknown): Promise<unknown> {
    this.dialogCalls.push({ kind, options });
    const answer = this.answers.shift();
    if (!answer) throw new Error(`a ${kind} dialog was shown, but the test queued no answer`);
    if (answer.kind !== kind) throw new Error(`a ${kind} dialog was shown, but the test queued a ${answer.kind} answer`);
    return answer.kind === 'open'
      ? { canceled: answer.canceled ?? false, filePaths: answer.filePaths }
      : { canceled: answer.canceled ?? false, filePath: answer.filePath };
  }
}

export type { ElectronStub };

const stub = new ElectronStub();
process.once('exit', () => fs.rmSync(stub.home, { recursive: true, force: true }));
const id = require.resolve('electron');
require.cache[id] = { id, filename: id, loaded: true, exports: stub.module, children: [], paths: [], path: path.dirname(id) } as unknown as NodeJS.Module;

export const electron = stub;
