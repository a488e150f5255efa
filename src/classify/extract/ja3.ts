// JA3 TLS client fingerprint (Salesforce, github.com/salesforce/ja3, README "How it works"): the decimal
// fields SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats of the ClientHello, values in
// each field joined by "-", GREASE values (RFC 8701) left out; the hash is the MD5 of that string in hex.
// Suricata's ja3.string and ja3.hash buffers hold exactly these.

import { createHash } from 'node:crypto';
import { isGrease, type ClientHello } from './tls.ts';

export function ja3String(h: ClientHello): string {
  const list = (xs: readonly number[]) => xs.filter((x) => !isGrease(x)).join('-');
  return `${h.legacyVersion},${list(h.ciphers)},${list(h.extensions)},${list(h.supportedGroups)},${h.ecPointFormats.join('-')}`;
}

export function ja3Hash(h: ClientHello): string {
  return createHash('md5').update(ja3String(h), 'latin1').digest('hex');
}
