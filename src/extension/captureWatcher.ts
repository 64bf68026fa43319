// Keeps one LogIndex over the capture folder the views show: the running proxy's folder, or the one Start
// would use when stopped (so captures a CLI in another process appends show too). The window has one watcher,
// shared by the Captures view, the request panel, the diff documents, the timeline and the insights panel, so a
// big log is indexed (and held in memory) once however many of them are open. Refreshes on fs.watch events
// (debounced), on the proxy's `record` events, and on a 1 s poll, because fs.watch misses events on some file
// systems. LogIndex.refresh reads only appended bytes, so a refresh of an idle folder is a readdir
// and one stat per log file.
import { watch, type FSWatcher } from 'node:fs';
import * as vscode from 'vscode';
import { errorText } from '../core/errorText';
import { LogIndex } from '../core/logIndex/logIndex';
import type { IndexDelta } from '../core/logIndex/indexModel';
import type { ExplainSource } from './explainSource';
import type { InterludeService } from './interludeService';

export interface CaptureWatcherOptions {
  service: InterludeService;
  /** The folder to show when nothing runs. */
  idleDir: () => string;
  log: (message: string) => void;
  pollMs?: number;
  debounceMs?: number;
}

/** What each view over the captures gets from activation: the window's one watcher among them. */
export interface CaptureViewDeps {
  service: InterludeService;
  output: vscode.LogOutputChannel;
  watcher: CaptureWatcher;
  /** The explanation of the captures shown (cache, composition, cost), shared like the watcher. */
  explain: ExplainSource;
}

export interface CaptureChange {
  dir: string;
  /** The folder or the whole index changed: views reload everything. */
  reset: boolean;
  delta?: IndexDelta;
}

export class CaptureWatcher implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<CaptureChange>();
  readonly onDidChange = this.changed.event;
  private dir: string | undefined;
  private index: LogIndex | undefined;
  private opening: Promise<void> | undefined;
  private fsWatcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;
  private active = false;
  private holders = 0;
  private refreshing = false;
  private again = false;
  private disposed = false;
  private lastError: string | undefined;
  private readonly unsubscribe: () => void;

  constructor(private readonly options: CaptureWatcherOptions) {
    const onRecord = (): void => {
      if (this.active) this.schedule();
    };
    const onState = (): void => {
      if (this.active) void this.sync();
    };
    options.service.changes.on('record', onRecord);
    options.service.changes.on('state', onState);
    this.unsubscribe = () => {
      options.service.changes.off('record', onRecord);
      options.service.changes.off('state', onState);
    };
  }

  /**
   * Watching costs a timer and a readdir a second: it runs only while someone holds it (a visible view, an
   * open panel or document, or Interlude running), so an idle window pays nothing for the extension.
   */
  hold(): vscode.Disposable {
    this.holders++;
    this.setActive(true);
    let released = false;
    return new vscode.Disposable(() => {
      if (released) return;
      released = true;
      this.holders--;
      if (this.holders === 0) this.setActive(false);
    });
  }

  private setActive(active: boolean): void {
    if (active === this.active || this.disposed) return;
    this.active = active;
    if (active) {
      this.poll = setInterval(() => void this.sync(), this.options.pollMs ?? 1000);
      void this.sync();
    } else {
      clearInterval(this.poll);
      this.poll = undefined;
      this.fsWatcher?.close();
      this.fsWatcher = undefined;
    }
  }

  /** The index of the folder shown now (undefined until the first open finished). */
  get current(): LogIndex | undefined {
    return this.index;
  }

  get directory(): string | undefined {
    return this.dir;
  }

  /**
   * The index of the folder to show, read up to now: waits for an open already under way (another view may
   * have started it). The caller holds the watcher meanwhile; undefined when the folder cannot be read.
   */
  async currentIndex(): Promise<LogIndex | undefined> {
    await this.sync();
    while (this.opening) await this.opening;
    return this.index;
  }

  /** Follows the folder to show, then reads what was appended. Resolves when both are done. */
  async sync(): Promise<void> {
    if (this.disposed || !this.active) return;
    const wanted = this.options.service.running?.captureDir ?? this.options.idleDir();
    if (wanted !== this.dir) await this.retarget(wanted);
    else if (!this.fsWatcher) this.watchFolder();
    await this.refresh();
  }

  private async retarget(dir: string): Promise<void> {
    this.dir = dir;
    this.index = undefined;
    this.fsWatcher?.close();
    this.fsWatcher = undefined;
    const opening = (async () => {
      try {
        const index = await LogIndex.open([dir], { allowEmpty: true });
        if (this.dir !== dir || this.disposed) return;
        this.index = index;
        this.watchFolder();
        this.changed.fire({ dir, reset: true });
      } catch (error) {
        this.problem(`cannot read captures in ${dir}: ${errorText(error)}`);
      }
    })();
    this.opening = opening;
    await opening;
    if (this.opening === opening) this.opening = undefined;
  }

  private watchFolder(): void {
    if (!this.dir || this.fsWatcher || this.disposed || !this.active) return;
    try {
      this.fsWatcher = watch(this.dir, { persistent: false }, () => this.schedule());
      this.fsWatcher.on('error', () => {
        this.fsWatcher?.close();
        this.fsWatcher = undefined;
      });
    } catch {
      // The folder does not exist yet: the poll retries, and reads it once it appears.
    }
  }

  private schedule(): void {
    if (this.disposed || this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      void this.refresh();
    }, this.options.debounceMs ?? 100);
  }

  /** One refresh at a time; a request during one runs once after it. */
  async refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return;
    }
    this.refreshing = true;
    try {
      do {
        this.again = false;
        const index = this.index;
        const dir = this.dir;
        if (!index || !dir) break;
        let delta: IndexDelta;
        try {
          delta = await index.refresh();
          this.lastError = undefined;
        } catch (error) {
          this.problem(`cannot read captures in ${dir}: ${errorText(error)}`);
          break;
        }
        if (index !== this.index) continue;
        if (delta.reset || delta.added.length || delta.updated.length) {
          this.changed.fire({ dir, reset: delta.reset === true, delta });
        }
      } while (this.again && !this.disposed);
    } finally {
      this.refreshing = false;
    }
  }

  private problem(message: string): void {
    // The poll would repeat the same failure every second; say it once.
    if (message === this.lastError) return;
    this.lastError = message;
    this.options.log(message);
  }

  dispose(): void {
    this.disposed = true;
    clearInterval(this.poll);
    if (this.debounce) clearTimeout(this.debounce);
    this.fsWatcher?.close();
    this.unsubscribe();
    this.changed.dispose();
  }
}
