// UTC calendar arithmetic for record times and archive names: integer maths, no Date parsing (Date.parse would
// also take "Nov 25 2026", which no archive should contain), no local time zone.

/**
 * ISO 8601 as records and the report accept it: date, optional time with optional fraction, zone Z or ±HH:MM
 * (UTC when absent).
 */
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** ms since the epoch for an ISO 8601 text (UTC unless it names a zone), or NaN. */
export function parseIsoMs(text: string): number {
  const m = ISO_RE.exec(text);
  if (!m) return NaN;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac, zone] = m;
  const ms = validUtcMs(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s), frac ? fractionMs(frac.slice(1)) : 0);
  if (Number.isNaN(ms) || !zone || zone === 'Z') return ms;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const zh = Number(digits.slice(0, 2)), zm = Number(digits.slice(2));
  if (zh > 23 || zm > 59) return NaN;
  return ms - sign * (zh * 60 + zm) * 60_000;
}

/** utcMs() of a calendar time, or NaN when a field is out of range (month 13, 30 February, 24:00). */
export function validUtcMs(year: number, month: number, day: number, hour: number, min: number, sec: number, ms: number): number {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || min > 59 || sec > 59) return NaN;
  return utcMs(year, month, day, hour, min, sec, ms);
}

/** Date.UTC without its 1900 offset for two-digit years. */
export function utcMs(year: number, month: number, day: number, hour: number, min: number, sec: number, ms: number): number {
  const t = Date.UTC(year, month - 1, day, hour, min, sec, ms);
  return year >= 100 ? t : new Date(t).setUTCFullYear(year);
}

/** Milliseconds of a fraction's digits ("5" → 500, "123456" → 123), truncated; integer maths, no float error. */
export function fractionMs(digits: string): number {
  return Number((digits + '00').slice(0, 3));
}

export function daysInMonth(year: number, month: number): number {
  return month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : DAYS[month - 1]!;
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
