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
  return lines.join('\n') + '\n';
}
