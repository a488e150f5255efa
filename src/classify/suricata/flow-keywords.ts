// Per-record conditions: flow (direction and state), flowbits, threshold, dsize, the SYN's flags, window, ttl
// and IP id, tls.version and app-layer-protocol. A honeypot record is the client's side of one flow, so
// to_server/from_client always hold and to_client/from_server rules are skipped; `established` means a TCP
// flow whose handshake completed (state "acked"); a UDP flow is never established, as synbait never answers.

import { parseUint } from './byte-keywords.ts';
import { flat } from './lazy-regex.ts';
import { ruleError, ruleSkip, type RuleProblem } from './rule-problem.ts';
import { parseUnsigned, splitArgs } from './rule-options.ts';
import type { AppProto, FlowbitOp, TcpFlagsTest, UintTest } from './signature.ts';

export interface Conditions {
  established: boolean | undefined;
  dsize: UintTest | undefined;
  flags: TcpFlagsTest | undefined;
  window: UintTest | undefined;
  ttl: UintTest | undefined;
  ipId: UintTest | undefined;
  tlsVersions: number[] | undefined;
  flowbits: FlowbitOp[];
  noalert: boolean;
  app: AppProto | undefined;
}

export const newConditions = (): Conditions => ({
  established: undefined, dsize: undefined, flags: undefined, window: undefined, ttl: undefined, ipId: undefined,
  tlsVersions: undefined, flowbits: [], noalert: false, app: undefined,
});

export function applyFlow(c: Conditions, value: string | undefined, option: string): RuleProblem | undefined {
  for (const w of splitArgs(value ?? '')) {
    switch (w) {
      case 'to_server': case 'from_client': case 'stateless': case 'no_frag': case 'no_stream': case 'only_frag':
        break;
      case 'to_client': case 'from_server':
        return ruleSkip('direction:to_client', option);
      case 'established': case 'only_stream':
        c.established = true;
        break;
      case 'not_established':
        c.established = false;
        break;
      default:
        return ruleError('option.value', `unknown flow option ${JSON.stringify(w)}`, option);
    }
  }
  return undefined;
}

const BIT_NAME = /^[A-Za-z0-9_.\-]{1,128}$/;

export function applyFlowbits(c: Conditions, value: string | undefined, option: string): RuleProblem | undefined {
  const args = splitArgs(value ?? '');
  const op = args[0];
  if (op === 'noalert' && args.length === 1) {
    c.noalert = true;
    return undefined;
  }
  if (op !== 'set' && op !== 'unset' && op !== 'toggle' && op !== 'isset' && op !== 'isnotset') {
    return ruleError('option.value', `unknown flowbits operation ${JSON.stringify(op)}`, option);
  }
  const spec = args.slice(1).join(',');
  const any = spec.includes('|');
  const bits = spec.split(/[|&]/).map((b) => flat(b.trim()));
  if (bits.length === 0 || bits.some((b) => !BIT_NAME.test(b)) || (any && spec.includes('&'))) {
    return ruleError('option.value', `malformed flowbits ${JSON.stringify(value)}`, option);
  }
  c.flowbits.push({ op, bits, any });
  return undefined;
}

/** threshold type limit (or a count of 1) only limits how often an alert is logged: labels still apply. */
export function applyThreshold(value: string | undefined, option: string): RuleProblem | undefined {
  const kv = new Map(splitArgs(value ?? '').map((p) => p.split(/\s+/, 2) as [string, string]));
  const type = kv.get('type');
  if (!type || !kv.has('track') || !kv.has('count') || !kv.has('seconds')) {
    return ruleError('option.value', `malformed threshold ${JSON.stringify(value)}`, option);
  }
  if (type === 'limit' || kv.get('count') === '1') return undefined;
  return ruleSkip('threshold', option);
}

const FLAG_BITS: Readonly<Record<string, number>> = { F: 1, S: 2, R: 4, P: 8, A: 16, U: 32, C: 128, E: 64, W: 128, '1': 128, '2': 64 };

/** flags:[!+*]FLAGS[,IGNORED] over FSRPAUCE (Suricata's detect-tcp-flags.c; "0" means no flag set). */
export function applyFlags(c: Conditions, value: string | undefined, option: string): RuleProblem | undefined {
  const [spec, ignored] = splitArgs(value ?? '');
  const m = /^([!+*]?)([FSRPAUCEW120]+)([!+*]?)$/.exec(spec ?? '');
  if (!m) return ruleError('option.value', `malformed flags ${JSON.stringify(value)}`, option);
  const mod = m[1] || m[3];
  const bitsOf = (s: string) => [...s].reduce((n, ch) => n | (FLAG_BITS[ch] ?? 0), 0);
  c.flags = {
    mask: m[2] === '0' ? 0 : bitsOf(m[2]!), ignore: ignored ? bitsOf(ignored) : 0,
    mode: mod === '+' ? 'plus' : mod === '*' ? 'any' : mod === '!' ? 'not' : 'exact',
  };
  return undefined;
}

export function applyUint(c: Conditions, key: 'dsize' | 'window' | 'ttl' | 'ipId', value: string | undefined, option: string): RuleProblem | undefined {
  const t = parseUint(value ?? '', key === 'dsize' ? 65535 : key === 'ttl' ? 255 : 0xffff);
  if (!t) return ruleError('option.value', `malformed ${option} ${JSON.stringify(value)}`, option);
  c[key] = t;
  return undefined;
}

const TLS_VERSIONS: Readonly<Record<string, number>> = { '1.0': 0x0301, '1.1': 0x0302, '1.2': 0x0303, '1.3': 0x0304, 'ssl3': 0x0300, '3.0': 0x0300 };

export function applyTlsVersion(c: Conditions, value: string | undefined, option: string): RuleProblem | undefined {
  const v = (value ?? '').trim();
  const n = TLS_VERSIONS[v] ?? parseUnsigned(v, 0xffff);
  if (n === null || n === undefined) return ruleError('option.value', `unknown TLS version ${JSON.stringify(value)}`, option);
  (c.tlsVersions ??= []).push(n);
  return undefined;
}

const APP_NAMES: Readonly<Record<string, AppProto>> = { http: 'http', http1: 'http', tls: 'tls', ssl: 'tls', dns: 'dns', ssh: 'ssh', sip: 'sip' };

export function applyAppLayerProtocol(c: Conditions, value: string | undefined, option: string): RuleProblem | undefined {
  const v = (value ?? '').trim();
  const app = APP_NAMES[v];
  if (app === undefined) return ruleSkip(`app-proto:${v.replace(/[^A-Za-z0-9!_-]/g, '').slice(0, 24)}`, option);
  if (c.app !== undefined && c.app !== app) return ruleError('rule.protocol', `app-layer-protocol ${v} conflicts with ${c.app}`, option);
  c.app = app;
  return undefined;
}
