// Suricata / ET Open signatures evaluated in-process: the API the sensor calls after the built-in rules.
//
//   const { signatures, stats, skippedByReason, errors } = compileSignatures(sources, { vars, classification });
//   const labels = signatures.match(input, parsed); // input: ClassifyInput (+ dsize); parsed: the built-in parse

export { compileSignatures, compileSignaturesAsync, type AsyncCompileOptions, type CompiledSignatures, type CompileOptions, type CompileStats, type RuleSource, type SkippedRule, type RuleErrorInfo } from './compile-signatures.ts';
export { SignatureSet, type SignatureLabel } from './signature-set.ts';
export type { SignatureInput } from './record-views.ts';
export { ruleVars, parseVarAssignment, PORT_VAR_NAMES, type RuleVars } from './rule-vars.ts';
export { parseClassificationConfig, severityOfPriority, type Classtype } from './classification.ts';
export { parseSelectionConf, categoryOfFile, NO_SELECTION, type RuleSelection, type RuleMatcher } from './rule-selection.ts';
export type { SignatureErrorCode, SkipReason } from './rule-problem.ts';
export { splitRuleStatements, type RuleStatement } from './rule-text.ts';
