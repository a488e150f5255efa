// The rule header: `action proto src_addr src_port direction dst_addr dst_port` (Suricata user guide, "Rules
// Format"). Addresses and ports resolve through the rule variables; the protocol is a transport (tcp, udp, ip),
// an application protocol synbait detects (http, tls, dns, ssh, sip), or one it does not (the rule is skipped).

import { compileAddressSpec, compilePortSpec } from './net-spec.ts';
import { ruleError, ruleSkip, type RuleProblem } from './rule-problem.ts';
import type { RuleVars } from './rule-vars.ts';
import type { HeaderFields } from './signature.ts';
import { APP_PROTOS, OTHER_PROTOS, TRANSPORT_PROTOS } from './keyword-table.ts';

export interface RuleHeader extends HeaderFields {
  readonly action: string;
}

const ALERTING = new Set(['alert', 'drop', 'reject', 'rejectsrc', 'rejectdst', 'rejectboth', 'sdrop', 'log']);

/** Compiled address/port specs by text, shared by every rule of a load (ET repeats a handful of them). */
export class SpecCache {
  readonly #addr = new Map<string, ReturnType<typeof compileAddressSpec>>();
  readonly #port = new Map<string, ReturnType<typeof compilePortSpec>>();
  readonly vars: RuleVars;
  constructor(vars: RuleVars) {
    this.vars = vars;
  }
  address(text: string) {
    let r = this.#addr.get(text);
    if (!r) this.#addr.set(text, (r = compileAddressSpec(text, this.vars.addresses)));
    return r;
  }
  port(text: string) {
    let r = this.#port.get(text);
    if (!r) this.#port.set(text, (r = compilePortSpec(text, this.vars.ports)));
    return r;
  }
}

export function parseHeader(text: string, specs: SpecCache): { ok: true; header: RuleHeader } | { ok: false; problem: RuleProblem } {
  const f = text.trim().split(/\s+/);
  const bad = (p: RuleProblem) => ({ ok: false as const, problem: p });
  if (f.length !== 7) return bad(ruleError('rule.syntax', `expected 7 header fields, got ${f.length}`));
  const [action, protoText, srcText, spText, dir, dstText, dpText] = f as [string, string, string, string, string, string, string];
  if (action === 'pass') return bad(ruleSkip('action:pass'));
  if (!ALERTING.has(action)) return bad(ruleError('rule.action', `unknown action ${JSON.stringify(action)}`));
  const proto = protoText.toLowerCase();
  const transport = TRANSPORT_PROTOS[proto];
  const app = APP_PROTOS[proto];
  if (!transport && !app) {
    if (OTHER_PROTOS.has(proto)) return bad(ruleSkip(proto.startsWith('icmp') ? 'keyword:icmp' : `app-proto:${proto}`));
    return bad(ruleError('rule.protocol', `unknown protocol ${JSON.stringify(protoText)}`));
  }
  if (dir !== '->' && dir !== '<>') return bad(ruleError('rule.direction', `direction must be -> or <>, got ${JSON.stringify(dir)}`));
  const src = specs.address(srcText);
  if (!src.ok) return bad(ruleError('rule.address', `source: ${src.message}`));
  const dst = specs.address(dstText);
  if (!dst.ok) return bad(ruleError('rule.address', `destination: ${dst.message}`));
  const sp = specs.port(spText);
  if (!sp.ok) return bad(ruleError('rule.port', `source port: ${sp.message}`));
  const dp = specs.port(dpText);
  if (!dp.ok) return bad(ruleError('rule.port', `destination port: ${dp.message}`));
  return {
    ok: true,
    header: {
      action, proto: transport ?? app!.proto, app: app?.app, src: src.value, srcPorts: sp.value, dst: dst.value,
      dstPorts: dp.value, bidirectional: dir === '<>',
    },
  };
}
