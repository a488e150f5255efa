// What can go wrong with one rule, as values: an error (the rule is malformed: Suricata would refuse it too)
// or a skip (the rule is valid but needs what a honeypot's client payload cannot decide, or what synbait does
// not evaluate). Both name the option at fault; reasons and codes are closed sets so they can be counted.

import type { PcreSkip } from './pcre.ts';

export type SignatureErrorCode =
  | 'rule.syntax' // no option list, unbalanced parentheses, wrong number of header fields
  | 'rule.action'
  | 'rule.protocol'
  | 'rule.address'
  | 'rule.port'
  | 'rule.direction'
  | 'rule.sid' // missing or malformed sid
  | 'rule.duplicate' // a sid already loaded in the same ruleset
  | 'option.syntax' // option list cannot be split
  | 'option.unknown' // a keyword Suricata does not have
  | 'option.value' // a keyword's argument is malformed
  | 'option.content' // a content string is malformed
  | 'option.modifier' // a content modifier without content, or an impossible combination
  | 'option.pcre'; // malformed pcre value or modifiers

export type SkipReason =
  | `keyword:${string}` // a keyword synbait does not evaluate
  | `buffer:${string}` // a server-side buffer, or one a client payload does not have
  | `app-proto:${string}` // a protocol synbait does not parse
  | `transform:${string}`
  | 'direction:to_client'
  | 'action:pass'
  | 'threshold' // counts events across flows
  | 'flowbits:unsatisfiable' // tests a bit that no loaded rule sets
  | PcreSkip;

export type RuleProblem =
  | { readonly kind: 'error'; readonly code: SignatureErrorCode; readonly option: string | undefined; readonly message: string }
  | { readonly kind: 'skip'; readonly reason: SkipReason; readonly option: string | undefined };

export const ruleError = (code: SignatureErrorCode, message: string, option?: string): RuleProblem => ({ kind: 'error', code, option, message });
export const ruleSkip = (reason: SkipReason, option?: string): RuleProblem => ({ kind: 'skip', reason, option });
