// Errors with stable codes (pattern: undici lib/core/errors.js). Tests match `code`, never message text.

// Every error the project throws is one of these classes; `exitCodeOf` is the one place that maps an error to the
// process's exit status.

export type SynbaitErrorCode =
  | 'SYNBAIT_ERR_CONFIG' // bad flags, environment or files given by the user
  | 'SYNBAIT_ERR_SPOOL_LOCKED' // another sensor holds the --archive-dir
  | 'SYNBAIT_ERR_CAPTURE' // libpcap failed
  | 'SYNBAIT_ERR_CAPTURE_PERMISSION' // no NET_RAW / not root
  | 'SYNBAIT_ERR_NO_DEVICE' // the -i device does not exist
  | 'SYNBAIT_ERR_CAPTURE_FILTER' // libpcap refused a BPF filter given to an open capture
  | 'SYNBAIT_ERR_FIREWALL'
  | 'SYNBAIT_ERR_UPLOAD' // S3 refused or is unreachable: stop this upload run
  | 'SYNBAIT_ERR_UPLOAD_VERIFY' // the stored object is not the file's bytes
  | 'SYNBAIT_ERR_UPLOAD_LOCAL_FILE' // a spool file cannot be read: skip it
  | 'SYNBAIT_ERR_RULES' // a rule file or rule is invalid
  | 'SYNBAIT_ERR_RULES_UPDATE' // `synbait rules update` could not install a new ruleset
  | 'SYNBAIT_ERR_ARCHIVE' // archive writes keep failing
  | 'SYNBAIT_ERR_ARCHIVE_DIR' // --archive-dir cannot be used
  | 'SYNBAIT_ERR_OBSERVER' // --metrics-listen or --health-file cannot start
  | 'SYNBAIT_ERR_INTERNAL' // a broken invariant: a bug, never the user's input
  | 'SYNBAIT_ERR_CAPTURE_FILE'; // a capture file (pcap, pcapng) cannot be read or is damaged

export class SynbaitError extends Error {
  readonly code: SynbaitErrorCode;
  constructor(code: SynbaitErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Bad flags, environment or files given by the user. The CLI exits with status 2. */
export class ConfigError extends SynbaitError {
  /** The flag or variable at fault, e.g. `--exclude-ports` or `SYNBAIT_NETWORK`. */
  readonly culprit: string | undefined;
  constructor(message: string, culprit?: string, options?: { cause?: unknown }) {
    super('SYNBAIT_ERR_CONFIG', message, options);
    this.culprit = culprit;
  }
}

/** Another sensor holds the --archive-dir lock (one sensor per spool). Exit status 2, like any ConfigError. */
export class SpoolLockedError extends ConfigError {
  override readonly code = 'SYNBAIT_ERR_SPOOL_LOCKED' as const;
}

export class CaptureError extends SynbaitError {
  constructor(
    code: 'SYNBAIT_ERR_CAPTURE' | 'SYNBAIT_ERR_CAPTURE_PERMISSION' | 'SYNBAIT_ERR_NO_DEVICE' | 'SYNBAIT_ERR_CAPTURE_FILTER',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

export class FirewallError extends SynbaitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SYNBAIT_ERR_FIREWALL', message, options);
  }
}

export class UploadError extends SynbaitError {
  constructor(
    message: string,
    options?: { cause?: unknown; code?: 'SYNBAIT_ERR_UPLOAD' | 'SYNBAIT_ERR_UPLOAD_VERIFY' | 'SYNBAIT_ERR_UPLOAD_LOCAL_FILE' },
  ) {
    super(options?.code ?? 'SYNBAIT_ERR_UPLOAD', message, options);
  }
}

export class RulesError extends SynbaitError {
  /** The rule id (or file) at fault. */
  readonly ruleId: string | undefined;
  constructor(message: string, ruleId?: string, options?: { cause?: unknown }) {
    super('SYNBAIT_ERR_RULES', message, options);
    this.ruleId = ruleId;
  }
}

/** Why `synbait rules update` did not install a new ruleset (the previous one stays current). */
export type RulesUpdateFailure = 'download' | 'truncated' | 'checksum' | 'archive' | 'install';

export class RulesUpdateError extends SynbaitError {
  readonly reason: RulesUpdateFailure;
  constructor(reason: RulesUpdateFailure, message: string, options?: { cause?: unknown }) {
    super('SYNBAIT_ERR_RULES_UPDATE', message, options);
    this.reason = reason;
  }
}

export class ArchiveError extends SynbaitError {
  constructor(message: string, options?: { cause?: unknown; code?: 'SYNBAIT_ERR_ARCHIVE' | 'SYNBAIT_ERR_ARCHIVE_DIR' }) {
    super(options?.code ?? 'SYNBAIT_ERR_ARCHIVE', message, options);
  }
}

/** The /metrics endpoint or the heartbeat file cannot start (a port in use, an unwritable path). */
export class ObserverError extends SynbaitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SYNBAIT_ERR_OBSERVER', message, options);
  }
}

/** A capture file given to `synbait label` cannot be read, or is damaged or truncated at `offset`. */
export class CaptureFileError extends SynbaitError {
  readonly file: string;
  readonly offset: number;
  constructor(file: string, offset: number, what: string, options?: { cause?: unknown }) {
    super('SYNBAIT_ERR_CAPTURE_FILE', `${file}: at byte ${offset}: ${what}`, options);
    this.file = file;
    this.offset = offset;
  }
}

/** A broken invariant inside synbait (a bug). */
export class InternalError extends SynbaitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SYNBAIT_ERR_INTERNAL', message, options);
  }
}

export function isSynbaitError(e: unknown): e is SynbaitError {
  return e instanceof SynbaitError;
}

/** Codes that mean the user's input is at fault (exit status 2); everything else is a failure (1). */
const USAGE_CODES: ReadonlySet<SynbaitErrorCode> = new Set<SynbaitErrorCode>([
  'SYNBAIT_ERR_CONFIG', 'SYNBAIT_ERR_RULES', 'SYNBAIT_ERR_NO_DEVICE', 'SYNBAIT_ERR_ARCHIVE_DIR', 'SYNBAIT_ERR_CAPTURE_FILE',
  'SYNBAIT_ERR_SPOOL_LOCKED',
]);

/** The exit status for an error that ends a command: 2 for bad input (flags, environment, files, rules), else 1. */
export function exitCodeOf(err: unknown): 1 | 2 {
  return isSynbaitError(err) && USAGE_CODES.has(err.code) ? 2 : 1;
}
