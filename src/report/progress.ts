// Progress on stderr for long runs, only when stderr is a terminal: one line rewritten in place (files done,
// bytes read, records/s), at most every RENDER_MS, shown only once the run has taken SHOW_AFTER_MS, erased at
// the end. Messages written through it erase the line first so they never mix with it.

import { formatBytes, formatCount } from './render/format.ts';

const RENDER_MS = 250;
const SHOW_AFTER_MS = 750;

export interface ProgressState {
  filesDone: number;
  readonly filesTotal: number;
  bytes: number;
  /** Stored bytes of all files, when known. */
  readonly bytesTotal: number | undefined;
  records: number;
}

export class Progress {
  readonly #out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly #enabled: boolean;
  readonly #now: () => number;
  readonly #start: number;
  readonly #command: string;
  #lastRender = -Infinity;
  #shown = false;

  /** `command` names the line: `synbait report: ...`, `synbait label: ...`. */
  constructor(out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }, enabled: boolean, now: () => number = () => performance.now(), command = 'report') {
    this.#out = out;
    this.#command = command;
    this.#enabled = enabled && out.isTTY === true;
    this.#now = now;
    this.#start = now();
  }

  /** Call often; renders only when due. */
  update(s: ProgressState): void {
    if (!this.#enabled) return;
    const t = this.#now();
    if (t - this.#start < SHOW_AFTER_MS || t - this.#lastRender < RENDER_MS) return;
    this.#lastRender = t;
    const secs = (t - this.#start) / 1000;
    const bytes = s.bytesTotal ? `${formatBytes(s.bytes)} of ${formatBytes(s.bytesTotal)} (${Math.min(100, Math.floor((s.bytes / s.bytesTotal) * 100))}%)` : formatBytes(s.bytes);
    let line = `synbait ${this.#command}: ${s.filesDone}/${s.filesTotal} files, ${bytes}, ${formatCount(s.records)} records, ${formatCount(Math.round(s.records / secs))} records/s`;
    const cols = this.#out.columns;
    if (cols && line.length >= cols) line = line.slice(0, cols - 1);
    this.#out.write(`\r\x1b[2K${line}`);
    this.#shown = true;
  }

  /** Erases the progress line (if shown). */
  clear(): void {
    if (this.#shown) this.#out.write('\r\x1b[2K');
    this.#shown = false;
    this.#lastRender = -Infinity;
  }

  /** Writes a message line on the same stream, around the progress line. */
  message(text: string): void {
    this.clear();
    this.#out.write(text.endsWith('\n') ? text : text + '\n');
  }
}
