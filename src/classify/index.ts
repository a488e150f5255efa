// The classifier's public surface: rule compilation, the built-in rules, and the protocol extractors.

import { builtinRuleDocs } from './builtin-rules.ts';
import { compileRules, type RuleClassifier } from './compile-rules.ts';
import type { Classifier } from './types.ts';

export { compileRules, compileRuleList, compileRuleListAsync, RuleClassifier, type CompiledRule } from './compile-rules.ts';
export { builtinRuleDocs } from './builtin-rules.ts';
export { INSPECT_LIMIT } from './limits.ts';
export { compileSafeRegex, type SafeRegex } from './safe-regex.ts';
export { ThresholdTracker } from './detectors.ts';
export { FIELD_NAMES } from './inspection.ts';
export type { RuleDoc, CondDoc, ThresholdDoc } from './rule-schema.ts';
export type { Classifier, ClassifyInput, ClassifyResult } from './types.ts';
export { extractFacts, type Parsed } from './extract/facts.ts';
export { parseTextRequest, headerValue, type TextRequest } from './extract/request-line.ts';
export { parseClientHello, ja4, ja4Raw, ja4Hash, isGrease, helloVersion, type ClientHello } from './extract/tls.ts';
export { parseSshBanner } from './extract/ssh.ts';
export { parseSmbNegotiate, type SmbNegotiate } from './extract/smb.ts';
export { parseRdpConnectionRequest, type RdpRequest } from './extract/rdp.ts';
export { parseDnsQuery, type DnsQuery } from './extract/dns.ts';
export { parseNtp, type NtpPacket } from './extract/ntp.ts';
export { parseRpcCall, type RpcCall } from './extract/rpc.ts';
export { parseNjrat, type NjratMessage } from './extract/njrat.ts';

/** A classifier with the built-in rules followed by extraDocs (user --rules files); ids must be unique across both. */
export function createClassifier(extraDocs: readonly unknown[] = []): RuleClassifier {
  return compileRules([...builtinRuleDocs, ...extraDocs]);
}
