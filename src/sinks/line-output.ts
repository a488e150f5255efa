// Where stdout sinks and JSON log lines go: one buffered destination shared by both, so a record line and a log
// line never interleave mid-line. Bounded: when the reader (docker logs, a pipe) stalls beyond `maxBuffered`, lines
// are dropped and counted instead of growing memory.

export interface LineOutput {
  /** Writes whole lines; returns false when the line was dropped. */
  write(text: string): boolean;
  /** `text` and a newline (without building the concatenated string); false when dropped. */
  writeLine(text: string): boolean;
  flush(): Promise<void>;
  /** Lines dropped because the buffer was full. */
  readonly dropped: number;
  /** Bytes accepted but not yet handed to the operating system. */
  readonly backlogBytes: number;
}
