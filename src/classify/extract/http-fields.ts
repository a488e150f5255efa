// HTTP request fields as an IDS normalises them (Suricata/libhtp; Suricata user guide, "HTTP Keywords:
// Normalization"): header fields with the same name (case-insensitive) merge into one, their values joined by
// ", " at the place of the first; values are trimmed. The header-names list and the request's authority
// (Host header, or the authority of an absolute request target, which wins) come from the same parse.

import type { TextRequest } from './request-line.ts';

export interface MergedHeader {
  readonly name: string;
  readonly value: string;
}

/** Header fields in order of first appearance, duplicates merged. */
export function mergedHeaders(req: TextRequest): MergedHeader[] {
  const out: { name: string; value: string }[] = [];
  const index = new Map<string, number>();
  for (const [name, value] of req.headers) {
    const key = name.toLowerCase();
    const at = index.get(key);
    if (at === undefined) {
      index.set(key, out.length);
      out.push({ name, value });
    } else {
      out[at]!.value += `, ${value}`;
    }
  }
  return out;
}

/** The value of a merged header by case-insensitive name. */
export function mergedValue(headers: readonly MergedHeader[], name: string): string | undefined {
  const lower = name.toLowerCase();
  return headers.find((h) => h.name.toLowerCase() === lower)?.value;
}

export interface Authority {
  /** host[:port] as sent. */
  readonly raw: string;
  /** The host name in lower case, without port or IPv6 brackets' port. */
  readonly host: string;
}

/** host[:port] → the lower-cased host name without the port. */
export function hostOf(raw: string): string {
  const t = raw.trim();
  if (t.startsWith('[')) {
    const end = t.indexOf(']');
    return (end > 0 ? t.slice(0, end + 1) : t).toLowerCase();
  }
  const colon = t.lastIndexOf(':');
  return (colon >= 0 && /^\d*$/.test(t.slice(colon + 1)) ? t.slice(0, colon) : t).toLowerCase();
}

/** The authority of an absolute-form target (http://host:port/path), or of the Host header. */
export function requestAuthority(req: TextRequest, headers: readonly MergedHeader[]): Authority | undefined {
  const abs = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^/?#]*)/.exec(req.uri);
  const raw = abs ? abs[1]! : mergedValue(headers, 'host');
  return raw === undefined ? undefined : { raw, host: hostOf(raw) };
}

/** The request target without scheme and authority (what an origin server sees as path and query). */
export function originTarget(uri: string): string {
  const abs = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(uri);
  return abs ? uri.slice(abs[0].length) || '/' : uri;
}
