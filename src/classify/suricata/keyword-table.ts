// Which Suricata keywords, buffers and protocols the evaluator speaks, and why the others are skipped. A rule
// using anything listed as unsupported is skipped with that reason (counted, listed by `synbait rules check`);
// a keyword in no list at all is an error, as in Suricata ("unknown rule keyword").

import type { AppProto, BufferName } from './signature.ts';

/** Sticky buffers (and their older names) over what the client sent. */
export const STICKY_BUFFERS: Readonly<Record<string, BufferName>> = {
  'pkt_data': 'payload',
  'http.method': 'http.method', 'http.uri': 'http.uri', 'http.uri.raw': 'http.uri.raw',
  'http.header': 'http.header', 'http.header.raw': 'http.header.raw', 'http.header_names': 'http.header_names',
  'http.host': 'http.host', 'http.host.raw': 'http.host.raw', 'http.user_agent': 'http.user_agent',
  'http.cookie': 'http.cookie', 'http.content_type': 'http.content_type', 'http.content_len': 'http.content_len',
  'http.request_line': 'http.request_line', 'http.request_body': 'http.request_body', 'http.protocol': 'http.protocol',
  'http.referer': 'http.referer', 'http.accept': 'http.accept', 'http.accept_enc': 'http.accept_enc',
  'http.accept_lang': 'http.accept_lang', 'http.connection': 'http.connection', 'http.start': 'http.start',
  'http_request_line': 'http.request_line', 'http_accept': 'http.accept', 'http_accept_enc': 'http.accept_enc',
  'http_accept_lang': 'http.accept_lang', 'http_referer': 'http.referer', 'http_connection': 'http.connection',
  'http_content_type': 'http.content_type', 'http_content_len': 'http.content_len', 'http_start': 'http.start',
  'http_protocol': 'http.protocol', 'http_header_names': 'http.header_names',
  'dns.query': 'dns.query', 'tls.sni': 'tls.sni', 'ja3.hash': 'ja3.hash', 'ja3.string': 'ja3.string',
  'ja4.hash': 'ja4.hash', 'ssh.proto': 'ssh.proto', 'ssh.software': 'ssh.software',
  'dns_query': 'dns.query', 'tls_sni': 'tls.sni', 'ja3_hash': 'ja3.hash', 'ja3_string': 'ja3.string',
  'ssh_proto': 'ssh.proto', 'ssh_software': 'ssh.software',
};

/** Legacy content modifiers: they move the preceding content (from the payload list) into a buffer. */
export const CONTENT_MODIFIER_BUFFERS: Readonly<Record<string, BufferName>> = {
  'http_method': 'http.method', 'http_uri': 'http.uri', 'http_raw_uri': 'http.uri.raw', 'http_header': 'http.header',
  'http_raw_header': 'http.header.raw', 'http_cookie': 'http.cookie', 'http_user_agent': 'http.user_agent',
  'http_host': 'http.host', 'http_raw_host': 'http.host.raw', 'http_client_body': 'http.request_body',
};

/** The application protocol each buffer belongs to (payload: none). */
export function appOfBuffer(name: BufferName): AppProto | undefined {
  if (name === 'payload') return undefined;
  if (name.startsWith('http.')) return 'http';
  if (name === 'dns.query') return 'dns';
  if (name.startsWith('ssh.')) return 'ssh';
  return 'tls';
}

/** Buffers of the server's side, or of data a honeypot's first payload cannot hold: rules are skipped. */
export const SERVER_SIDE_BUFFERS = new Set([
  'file_data', 'file.data', 'http.stat_code', 'http.stat_msg', 'http.response_line', 'http.response_body',
  'http.response_header', 'http.server', 'http.location', 'http_stat_code', 'http_stat_msg', 'http_server_body',
  'http.set_cookie', 'tls.cert_subject', 'tls.cert_issuer', 'tls.cert_serial', 'tls.cert_fingerprint', 'tls.certs',
  'tls.subjectaltname', 'tls.cert_chain_len', 'tls_cert_subject', 'tls_cert_issuer', 'tls_cert_serial',
  'tls_cert_fingerprint', 'ja3s.hash', 'ja3s.string', 'ja3s_hash', 'ja3s_string', 'ja4s.hash', 'dns.answer.name',
  'dns.response', 'ssh.hassh.server', 'ssh.hassh.server.string', 'file.name', 'file.magic', 'filename', 'filemagic',
  'fileext', 'filemd5', 'filesha1', 'filesha256', 'filesize', 'filestore', 'http.request_header', 'http.response_header',
  'smb.named_pipe', 'smb.share', 'dce_stub_data', 'dcerpc.stub_data', 'krb5_cname', 'krb5_sname', 'sip.method',
  'sip.uri', 'sip.request_line', 'sip.stat_code', 'sip.stat_msg', 'sip.response_line', 'sip.protocol', 'snmp.community',
  'quic.sni', 'quic.version', 'http2.header', 'http2.header_name', 'ssh.hassh', 'ssh.hassh.string', 'base64_data',
  'tls.random', 'tls.random_time', 'tls.random_bytes', 'ftpdata_command', 'smtp.helo', 'smtp.mail_from', 'smtp.rcpt_to',
]);

/** Keywords Suricata knows that we do not evaluate (state across flows, other protocols, IP/ICMP fields...). */
export const UNSUPPORTED_KEYWORDS = new Set([
  'xbits', 'flowint', 'flowvar', 'pktvar', 'hostbits', 'stream_size', 'detection_filter', 'asn1', 'base64_decode',
  'app-layer-event', 'decode-event', 'stream-event', 'engine-event', 'itype', 'icode', 'icmp_id', 'icmp_seq',
  'ip_proto', 'ipopts', 'fragbits', 'fragoffset', 'tos', 'seq', 'ack', 'tcp.hdr', 'tcp.mss', 'udp.hdr', 'ipv4.hdr',
  'ipv6.hdr', 'sameip', 'replace', 'lua', 'luajit', 'dataset', 'datarep', 'iprep', 'geoip', 'byte_math', 'entropy',
  'ssl_state', 'ssl_version', 'tls.store', 'tls_cert_notbefore', 'tls_cert_notafter', 'tls_cert_expired',
  'tls_cert_valid', 'ssh.protoversion', 'ssh.softwareversion', 'ssh_protoversion', 'ssh_softwareversion',
  'dce_iface', 'dce_opnum', 'dcerpc.iface', 'dcerpc.opnum', 'ftpbounce', 'ftpdata_command', 'dnp3_func',
  'dnp3_ind', 'dnp3_obj', 'dnp3_data', 'modbus', 'enip_command', 'cip_service', 'krb5_msg_type', 'krb5_err_code',
  'template', 'rpc', 'icmpv6.hdr', 'icmpv6.mtu', 'ttl_hdr', 'frame', 'absent', 'requires', 'config', 'bypass',
  'prefilter', 'transform', 'xor', 'pcrexform', 'to_md5', 'to_sha1', 'to_sha256', 'to_lowercase', 'to_uppercase',
  'strip_whitespace', 'compress_whitespace', 'url_decode', 'header_lowercase', 'strip_pseudo_headers', 'from_base64',
  'casechange', 'domain', 'tld', 'dns.opcode', 'dns.rrtype', 'tls.cert_subject', 'flow.age', 'flow.pkts', 'flow.bytes',
  'file.data', 'dsize_hdr', 'stream_depth', 'urilen_raw', 'http.response_body', 'nfs_procedure', 'nfs.version',
]);

/** Header protocols: transport ones, the application protocols we detect, and the ones we do not. */
export const TRANSPORT_PROTOS: Readonly<Record<string, 'tcp' | 'udp' | 'ip'>> = {
  'tcp': 'tcp', 'tcp-pkt': 'tcp', 'tcp-stream': 'tcp', 'udp': 'udp', 'ip': 'ip', 'pkthdr': 'ip',
};
export const APP_PROTOS: Readonly<Record<string, { app: AppProto; proto: 'tcp' | 'udp' | 'ip' }>> = {
  'http': { app: 'http', proto: 'tcp' }, 'http1': { app: 'http', proto: 'tcp' },
  'tls': { app: 'tls', proto: 'tcp' }, 'ssl': { app: 'tls', proto: 'tcp' },
  'dns': { app: 'dns', proto: 'ip' }, 'ssh': { app: 'ssh', proto: 'tcp' }, 'sip': { app: 'sip', proto: 'ip' },
};
/** Protocols Suricata parses that synbait does not: rules for them are skipped. */
export const OTHER_PROTOS = new Set([
  'icmp', 'icmpv4', 'icmpv6', 'sctp', 'smtp', 'ftp', 'ftp-data', 'smb', 'dcerpc', 'nfs', 'krb5', 'snmp', 'dhcp',
  'ntp', 'rdp', 'rfb', 'mqtt', 'modbus', 'dnp3', 'enip', 'ike', 'ikev2', 'http2', 'quic', 'tftp', 'imap', 'pop3',
  'telnet', 'pgsql', 'bittorrent-dht', 'websocket', 'ldap', 'doh2', 'irc',
]);
