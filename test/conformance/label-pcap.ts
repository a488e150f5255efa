// The conformance runner's labeller: a case's pcap through `synbait label`'s own path (the passive tracker, the
// record pipeline, the combined classifier), with only the case's rules loaded.
import { CombinedClassifier } from '../../src/classify/combined-classifier.ts';
import { createClassifier } from '../../src/classify/index.ts';
import { compileSignatures } from '../../src/classify/suricata/index.ts';
import { labelCapture } from '../../src/label/track-capture.ts';
import type { PcapLabeller } from './verify-runner.ts';

export const labelPcap: PcapLabeller = async (pcap, rules, vars, o = {}) => {
  const compiled = compileSignatures(rules, { vars });
  const classifier = new CombinedClassifier(createClassifier([]), compiled.signatures);
  return labelCapture(pcap, classifier, { flowTimeoutMs: 60_000, maxPayload: 1 << 20, maxFlows: 65536, ...(o.serverStreams ? { serverStreams: true } : {}) });
};
