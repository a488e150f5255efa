// njRAT/Bladabindi framing: every message is its length in ASCII decimal, a NUL, then the message: a command word
// (ll = check-in, inf, act, proc, ...) followed by fields joined by a splitter string. The splitter is a builder
// setting (|'|'| by default in 0.7d; forks use others), so it is inferred rather than listed: in an "ll" check-in
// the splitter follows the command and recurs between every field (about ten fields), and the longest prefix of
// the text after "ll" that recurs that often is it.

export interface NjratMessage {
  /** The command word (letters/digits after the NUL, up to the first non-word byte or the splitter). */
  readonly command: string;
  /** The declared length. */
  readonly length: number;
  /** 1 when the declared length fits in what was sent (or the payload was cut at the inspection limit). */
  readonly lengthOk: 0 | 1;
  /** "ll" only: fields of the first message split by the inferred splitter (0 when none recurs). */
  readonly fields: number;
}

const MAX_SPLITTER = 16;
/** Fields an njRAT "ll" check-in carries (campaign, host, user, date, country, OS, cam, version, ...). */
const MIN_OCCURRENCES = 6;

function occurrences(text: string, needle: string, from: number, end: number): number {
  let n = 0;
  for (let i = text.indexOf(needle, from); i >= 0 && i + needle.length <= end; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** text: the inspected payload as latin1; truncated: the payload was cut at the inspection limit. */
export function parseNjrat(text: string, truncated: boolean): NjratMessage | null {
  let i = 0;
  while (i < text.length && i < 8 && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
  if (i === 0 || i > 7 || text.charCodeAt(i) !== 0) return null;
  const length = Number(text.slice(0, i));
  const start = i + 1;
  const end = Math.min(text.length, start + length);
  let j = start;
  while (j < end && j - start < 24 && /[A-Za-z0-9_]/.test(text[j]!)) j++;
  if (j === start || length === 0) return null;
  const lengthOk = start + length <= text.length || truncated ? 1 : 0;
  let command = text.slice(start, j);
  let fields = 0;
  if (command.startsWith('ll')) {
    command = 'll';
    for (let k = Math.min(MAX_SPLITTER, end - start - 2); k >= 1 && fields === 0; k--) {
      const n = occurrences(text, text.slice(start + 2, start + 2 + k), start + 2, end);
      if (n >= MIN_OCCURRENCES) fields = n + 1;
    }
  }
  return { command, length, lengthOk, fields };
}
