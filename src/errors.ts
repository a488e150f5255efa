// Errors with stable codes (pattern: undici lib/core/errors.js). Tests match `code`, never message text.

export type SynbaitErrorCode =
  | 'SYNBAIT_ERR_CONFIG'
  | 'SYNBAIT_ERR_SPOOL_LOCKED'
  | 'SYNBAIT_ERR_CAPTURE'
  | 'SYNBAIT_ERR_CAPTURE_PERMISSION'
  | 'SYNBAIT_ERR_NO_DEVICE'
  | 'SYNBAIT_ERR_FIREWALL'
  | 'SYNBAIT_ERR_UPLOAD'
  | 'SYNBAIT_ERR_RULES'
  | 'SYNBAIT_ERR_ARCHIVE'
  | 'SYNBAIT_ERR_REPORT'
  | 'SYNBAIT_ERR_INTERNAL';

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
    code: 'SYNBAIT_ERR_CAPTURE' | 'SYNBAIT_ERR_CAPTURE_PERMISSION' | 'SYNBAIT_ERR_NO_DEVICE',
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
  constructor(message: string, options?: { cause?: unknown }) {
    super('SYNBAIT_ERR_UPLOAD', message, options);
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

export class ArchiveError extends SynbaitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SYNBAIT_ERR_ARCHIVE', message, options);
  }
}

export function isSynbaitError(e: unknown): e is SynbaitError {
  return e instanceof SynbaitError;
}
