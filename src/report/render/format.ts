// Number, size, time and text helpers shared by the renderers (locale-independent, so output is stable).

export function formatCount(n: number): string {
  const s = String(Math.round(n));
  const neg = s.startsWith('-');
  const digits = neg ? s.slice(1) : s;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return neg ? `-${grouped}` : grouped;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

export function formatPercent(part: number, total: number): string {
  if (total <= 0) return '0%';
  const p = (part / total) * 100;
  return p > 0 && p < 0.1 ? '<0.1%' : `${p.toFixed(1)}%`;
}

/** ISO 8601 UTC, whole seconds unless the time has milliseconds. */
export function formatTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? iso.slice(0, 19) + 'Z' : iso;
}

/** "1h 2m 3s" style duration. */
export function formatDuration(ms: number): string {
  let s = Math.max(0, Math.round(ms / 1000));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const parts = [d ? `${d}d` : '', h ? `${h}h` : '', m ? `${m}m` : '', `${s}s`].filter(Boolean);
  return parts.slice(0, 3).join(' ');
}

/**
 * Makes attacker-controlled text safe to print on a terminal or in a plain-text file: C0/C1 control characters,
 * DEL and Unicode bidirectional controls (which can reorder what is shown) become visible \xNN / \u{...} escapes.
 */
export function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/** Display width: code points (close enough for the tables; wide CJK glyphs are rare in these columns). */
export const width = (s: string): number => [...s].length;

/**
 * `s` in lines of at most `max` code points, broken at spaces; a word longer than a line is broken inside it.
 * Only spaces are dropped: the lines joined (with a space where a line ended at one) give back `s`, its runs of
 * spaces made single.
 */
export function wrap(s: string, max: number): string[] {
  const lines: string[] = [];
  let line: string[] = [];
  for (const word of s.split(/ +/).filter((x) => x !== '')) {
    let w = [...word];
    if (line.length > 0 && line.length + 1 + w.length > max) {
      lines.push(line.join(''));
      line = [];
    }
    if (line.length > 0) line.push(' ');
    while (line.length + w.length > max) {
      const room = max - line.length;
      line.push(...w.slice(0, room));
      lines.push(line.join(''));
      line = [];
      w = w.slice(room);
    }
    line.push(...w);
  }
  if (line.length > 0 || lines.length === 0) lines.push(line.join(''));
  return lines;
}
