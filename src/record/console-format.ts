// lurker's console output: a header line, a hex dump with an ASCII column, and the [dump] block. Attacker bytes
// never reach the terminal raw: only printable ASCII (0x20-0x7e) is shown, everything else (control characters,
// ESC sequences, bytes >= 0x80 that could form UTF-8 or C1 controls) becomes '.'.

import { labelKey, type FlowRecord } from './flow-record.ts';

const STATE_WORD = { syn: 'SYNed', acked: 'ACKed', udp: 'UDP' } as const;
const DUMP_WIDTH = 74;

const printable = (b: number): string => (b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : '.');

/** Escapes a short text field (label names, facts) for one terminal line. */
export function safeText(s: string, max = 200): string {
  let out = '';
  for (const ch of s.slice(0, max)) {
    const c = ch.codePointAt(0)!;
    out += c >= 0x20 && c <= 0x7e ? ch : c <= 0xffff ? `\\u${c.toString(16).padStart(4, '0')}` : '.';
  }
  return s.length > max ? out + '...' : out;
}

const endpoint = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

export function hexDumpLines(data: Uint8Array): string[] {
  const lines: string[] = [];
  for (let i = 0; i < data.length; i += 16) {
    const hex: string[] = [];
    let asc = '';
    for (let n = 0; n < 16; n++) {
      const d = i + n;
      if (d < data.length) {
        hex.push(data[d]!.toString(16).toUpperCase().padStart(2, '0'));
        asc += printable(data[d]!);
      } else {
        hex.push('  ');
        asc += ' ';
      }
    }
    lines.push(`${i.toString(16).toUpperCase().padStart(4, '0')}  ${hex.join(' ')}  | ${asc} |`);
  }
  return lines;
}

/** Lines shown per turn and characters per line at most in the dialogue block. */
const TURN_LINES = 12;
const LINE_CHARS = 120;

/** One turn's bytes as marked lines: split at line ends (empty lines left out), every other byte escaped. */
function turnLines(mark: string, bytes: Uint8Array): string[] {
  const out: string[] = [];
  let line = '';
  const flush = () => {
    if (line !== '') out.push(`${mark} ${line.length > LINE_CHARS ? line.slice(0, LINE_CHARS) + '...' : line}`);
    line = '';
  };
  for (let i = 0; i < bytes.length && out.length < TURN_LINES; i++) {
    const b = bytes[i]!;
    if (b === 0x0a) flush();
    else if (b !== 0x0d || bytes[i + 1] !== 0x0a) line += printable(b);
  }
  if (out.length < TURN_LINES) flush();
  return out;
}

/** The [dialogue] block of a greeted flow: our lines marked "S>", the client's "C>", in the order they came. */
export function dialogueLines(r: FlowRecord, payload: Uint8Array): string[] {
  const d = r.dialogue;
  if (!d || !Array.isArray(d.turns)) return [];
  const server = Buffer.from(typeof d.server === 'string' ? d.server : '', 'base64');
  const label = `[dialogue: ${safeText(String(d.protocol), 16)}]`;
  const left = Math.max(0, (DUMP_WIDTH - label.length) >> 1);
  const lines = [`${'-'.repeat(left)}${label}${'-'.repeat(Math.max(0, DUMP_WIDTH - left - label.length))}`];
  let s = 0;
  let c = 0;
  for (const t of d.turns) {
    if (!Array.isArray(t) || typeof t[1] !== 'number') continue;
    const n = Math.max(0, t[1]);
    if (t[0] === 's') {
      lines.push(...turnLines('S>', server.subarray(s, s + n)));
      s += n;
    } else {
      lines.push(...turnLines('C>', payload.subarray(c, c + n)));
      c += n;
    }
  }
  if (d.turns_truncated) lines.push('   ... (more turns)');
  return lines;
}

export function formatConsole(r: FlowRecord, payload: Uint8Array): string {
  let head = `[${r.ts}] ${endpoint(r.src_ip, r.src_port)} -> ${endpoint(r.dst_ip, r.dst_port)} (${STATE_WORD[r.state]})`;
  if (r.truncated) head += ' [truncated]';
  const lines = [head];
  if (r.labels.length > 0) lines.push(`  labels: ${r.labels.map((l) => `${safeText(l.name)} (${safeText(labelKey(l))})`).join(', ')}`);
  if (payload.length > 0) {
    lines.push(...hexDumpLines(payload));
    lines.push('----------------------------------[dump]----------------------------------');
    let graph = '';
    for (let i = 0; i < payload.length; i++) graph += printable(payload[i]!);
    for (let i = 0; i < graph.length; i += DUMP_WIDTH) lines.push(graph.slice(i, i + DUMP_WIDTH));
    lines.push('--------------------------------------------------------------------------');
  }
  const dialogue = dialogueLines(r, payload);
  if (dialogue.length > 0) lines.push(...dialogue, '-'.repeat(DUMP_WIDTH));
  return lines.join('\n') + '\n';
}
