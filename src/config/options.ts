// The one table of every sensor flag and SYNBAIT_* variable. README's configuration table and `--help`
// are generated from it (see `renderOptionsTable`), so documentation cannot drift from the parser.

export type OptionKind =
  | 'string' // free text
  | 'int' // non-negative integer
  | 'seconds' // duration: "5", "2.5", "300ms", "30s", "15m", "1h", "1d"
  | 'bytes' // size: "65536", "64k", "64KiB", "64MB", "1GiB"
  | 'bool' // flag without value; env true/false/1/0/yes/no/on/off
  | 'enum' // one of `values`
  | 'list'; // repeatable flag; in env a comma-separated list

export type OptionGroup =
  | 'capture'
  | 'greet'
  | 'output'
  | 'limits'
  | 'archive'
  | 's3'
  | 'alerts'
  | 'arp'
  | 'metrics'
  | 'signatures'
  | 'appliance';

export interface OptionSpec {
  /** Long flag without the dashes, e.g. `exclude-ports`. */
  readonly flag: string;
  /** One-letter alias as lurker had it, e.g. `e`. */
  readonly short?: string;
  /** Environment variable. */
  readonly env: string;
  readonly kind: OptionKind;
  readonly values?: readonly string[];
  /** Default as documented text; `undefined` means "unset". */
  readonly default?: string;
  readonly metavar?: string;
  readonly help: string;
  readonly group: OptionGroup;
  /** Never logged or echoed. */
  readonly secret?: boolean;
  /** Read by entrypoint.sh only; the sensor accepts and ignores it. */
  readonly entrypointOnly?: boolean;
}

/** ET Open for the Suricata 7 rule syntax the signature evaluator speaks. */
export const ET_OPEN_URL = 'https://rules.emergingthreats.net/open/suricata-7.0.3/emerging.rules.tar.gz';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export const OPTIONS: readonly OptionSpec[] = [
  // capture and TCP behaviour
  { flag: 'device', short: 'i', env: 'SYNBAIT_DEVICE', kind: 'string', metavar: 'NAME', group: 'capture',
    help: 'Network device to capture on and answer from (required), e.g. eth0.' },
  { flag: 'network', short: 'n', env: 'SYNBAIT_NETWORK', kind: 'list', metavar: 'CIDR', group: 'capture',
    help: 'Destination addresses to answer for, IPv4 or IPv6 CIDR; repeatable. Default: every address of the device.' },
  { flag: 'exclude-ports', short: 'e', env: 'SYNBAIT_EXCLUDE_PORTS', kind: 'list', metavar: 'PORTS', group: 'capture',
    help: 'Ports never answered nor recorded (TCP and UDP): 22, 80,443 or 8000-8100; repeatable. Ports a service on this host listens on (on a wildcard or monitored address) are excluded too, at start and while it runs (--listener-check-interval).' },
  { flag: 'listener-check-interval', env: 'SYNBAIT_LISTENER_CHECK_INTERVAL', kind: 'seconds', default: '3', metavar: 'SECONDS', group: 'capture',
    help: 'How often the listening sockets are read again: a service started after the sensor gets its port excluded (responder, BPF filter, and the firewall synbait installed), and monitored again once it stops (docs/listeners.md). 0: only at start.' },
  { flag: 'ssh-port', env: 'SYNBAIT_SSH_PORT', kind: 'string', default: '22', metavar: 'PORTS|none', group: 'capture',
    help: 'SSH ports: never answered, and the container firewall always lets them through, so the owner is never locked out. "none" monitors port 22 too (only when you reach the host another way).' },
  { flag: 'flow-timeout', env: 'SYNBAIT_FLOW_TIMEOUT', kind: 'seconds', default: '5', metavar: 'SECONDS', group: 'capture',
    help: 'A flow ends after this much silence (and a SYN without handshake is recorded as "syn").' },
  { flag: 'max-payload', env: 'SYNBAIT_MAX_PAYLOAD', kind: 'bytes', default: '65536', metavar: 'BYTES', group: 'capture',
    help: 'Bytes of payload kept per flow; the rest is ACKed but not stored (record flag "truncated").' },
  { flag: 'sensor-id', env: 'SYNBAIT_SENSOR_ID', kind: 'string', metavar: 'ID', group: 'capture',
    help: 'Name of this sensor in records and archive names. Default: the hostname.' },
  { flag: 'pcap-buffer-size', env: 'SYNBAIT_PCAP_BUFFER_SIZE', kind: 'bytes', default: '16MiB', metavar: 'BYTES', group: 'capture',
    help: 'Kernel capture ring; all of it is resident (counts in RSS). Larger absorbs longer pauses at high packet rates. Each frame takes a slot of about the snapshot length: with the default --snaplen and MTU 1500, 16MiB holds ~10,400 frames (about 50 ms at 200,000 SYN/s) in 20 MiB of RSS; 8MiB halves both.' },
  { flag: 'snaplen', env: 'SYNBAIT_SNAPLEN', kind: 'bytes', metavar: 'BYTES', group: 'capture',
    help: 'Bytes captured of each frame, 128-262144. Default: the device MTU + 18 (Ethernet and 802.1Q headers), which fits every frame the link carries; longer frames (GRO/LRO aggregates) are never answered and counted in synbait_frames_capture_truncated_total. 65535 captures aggregates whole, but with offloads on libpcap then gives each frame a 128 KiB slot (8MiB: ~128 frames).' },
  { flag: 'rules', env: 'SYNBAIT_RULES', kind: 'list', metavar: 'PATH', group: 'capture',
    help: 'Extra rule files or directories (JSON) loaded after the built-in rules; repeatable.' },

  // greetings (server-first protocols)
  { flag: 'greet', env: 'SYNBAIT_GREET', kind: 'list', default: '23,2323=telnet,2222=ssh', metavar: 'PORTS=PROTOCOL', group: 'greet',
    help: 'Ports where synbait speaks first, after the handshake: PORT[,PORT...]=PROTOCOL with telnet, ftp, smtp, pop3, imap, vnc, mysql or ssh (ranges as 2323-2330); repeatable; "none" greets nowhere. Every other port stays client-first (docs/greetings.md).' },
  { flag: 'greet-file', env: 'SYNBAIT_GREET_FILE', kind: 'string', metavar: 'PATH', group: 'greet',
    help: 'Replace greeting texts (banners, prompts, version strings) with those in this file (format: docs/greetings.md).' },
  { flag: 'greet-max-attempts', env: 'SYNBAIT_GREET_MAX_ATTEMPTS', kind: 'int', default: '3', metavar: 'N', group: 'greet',
    help: 'Refused logins (telnet, FTP, POP3, IMAP, SMTP AUTH) before a greeted connection is closed, 1-16.' },

  // output
  { flag: 'format', env: 'SYNBAIT_FORMAT', kind: 'enum', values: ['console', 'json'], default: 'console', group: 'output',
    help: 'console: lurker-style lines with a hex dump; json: one JSON object per record on stdout.' },
  { flag: 'log-level', short: 'l', env: 'SYNBAIT_LOG_LEVEL', kind: 'enum', values: LOG_LEVELS, default: 'info', group: 'output',
    help: 'Log level of the JSON log lines (pino).' },
  { flag: 'stats-interval', env: 'SYNBAIT_STATS_INTERVAL', kind: 'seconds', default: '60', metavar: 'SECONDS', group: 'output',
    help: 'Period of the counters summary log line (0 disables).' },

  // flood safety
  { flag: 'syn-rate-per-dest', env: 'SYNBAIT_SYN_RATE_PER_DEST', kind: 'int', default: '500', metavar: 'N', group: 'limits',
    help: 'SYN-ACKs per second to one address (/32 IPv4, /64 IPv6); beyond it SYNs are counted, not answered (a fast full-range scan from one address sees the rest closed). 0 disables.' },
  { flag: 'syn-burst-per-dest', env: 'SYNBAIT_SYN_BURST_PER_DEST', kind: 'int', default: '2000', metavar: 'N', group: 'limits',
    help: 'Burst allowance of the per-address SYN-ACK budget.' },
  { flag: 'syn-rate-global', env: 'SYNBAIT_SYN_RATE_GLOBAL', kind: 'int', default: '100000', metavar: 'N', group: 'limits',
    help: 'SYN-ACKs per second in total. 0 disables.' },
  { flag: 'syn-burst-global', env: 'SYNBAIT_SYN_BURST_GLOBAL', kind: 'int', default: '100000', metavar: 'N', group: 'limits',
    help: 'Burst allowance of the global SYN-ACK budget.' },
  { flag: 'max-pending-syns', env: 'SYNBAIT_MAX_PENDING_SYNS', kind: 'int', default: '65536', metavar: 'N', group: 'limits',
    help: 'SYNs remembered for "syn" records; when full, further SYNs are still answered but only counted.' },
  { flag: 'max-flows', env: 'SYNBAIT_MAX_FLOWS', kind: 'int', default: '16384', metavar: 'N', group: 'limits',
    help: 'Concurrent TCP (acked) and UDP flows; when full the oldest flow is finished and recorded first.' },
  { flag: 'max-buffered-bytes', env: 'SYNBAIT_MAX_BUFFERED_BYTES', kind: 'bytes', default: '64MiB', metavar: 'BYTES', group: 'limits',
    help: 'Payload bytes held by open flows in total; when exceeded the oldest flows are finished first.' },

  // archive
  { flag: 'archive-dir', env: 'SYNBAIT_ARCHIVE_DIR', kind: 'string', metavar: 'DIR', group: 'archive',
    help: 'Spool directory for gzip JSON Lines archives (off unless set).' },
  { flag: 'rotate-interval', env: 'SYNBAIT_ROTATE_INTERVAL', kind: 'seconds', default: '1h', metavar: 'DURATION', group: 'archive',
    help: 'Rotate the archive file after this long (aligned: hourly files close on the hour).' },
  { flag: 'rotate-size', env: 'SYNBAIT_ROTATE_SIZE', kind: 'bytes', default: '64MiB', metavar: 'BYTES', group: 'archive',
    help: 'Rotate the archive file once it (or its pcap) is this large (compressed); at most 4GiB.' },
  { flag: 'pcap', env: 'SYNBAIT_PCAP', kind: 'bool', default: 'false', group: 'archive',
    help: 'Also archive the frames of each recorded flow as rotated pcap files.' },
  { flag: 'spool-max-bytes', env: 'SYNBAIT_SPOOL_MAX_BYTES', kind: 'bytes', default: '1GiB', metavar: 'BYTES', group: 'archive',
    help: 'Cap of the spool (ready and open files, at least twice --rotate-size); oldest ready files are deleted first (logged and counted).' },

  // S3
  { flag: 'upload-schedule', env: 'SYNBAIT_UPLOAD_SCHEDULE', kind: 'string', default: '*/5 * * * *', metavar: 'CRON', group: 's3',
    help: 'When to upload ready archives (cron syntax, UTC; 5 fields, or 6 with seconds first); never two runs at once.' },
  { flag: 's3-bucket', env: 'SYNBAIT_S3_BUCKET', kind: 'string', metavar: 'BUCKET', group: 's3',
    help: 'Upload archives to this bucket (off unless set; needs --archive-dir).' },
  { flag: 's3-prefix', env: 'SYNBAIT_S3_PREFIX', kind: 'string', default: 'synbait', metavar: 'PREFIX', group: 's3',
    help: 'Key prefix: s3://BUCKET/PREFIX/sensor=ID/dt=YYYY-MM-DD/FILE.' },
  { flag: 's3-region', env: 'SYNBAIT_S3_REGION', kind: 'string', metavar: 'REGION', group: 's3',
    help: 'Bucket region. Default: from the AWS SDK configuration (AWS_REGION...).' },
  { flag: 's3-endpoint', env: 'SYNBAIT_S3_ENDPOINT', kind: 'string', metavar: 'URL', group: 's3',
    help: 'Endpoint of an S3-compatible store (MinIO, Ceph...).' },
  { flag: 's3-force-path-style', env: 'SYNBAIT_S3_FORCE_PATH_STYLE', kind: 'bool', default: 'false', group: 's3',
    help: 'Use path-style addressing (most S3-compatible stores).' },

  // alerts
  { flag: 'slack-webhook-url', env: 'SYNBAIT_SLACK_WEBHOOK', kind: 'string', metavar: 'URL', group: 'alerts', secret: true,
    help: 'Post alerts for new labels and payload shapes, plus a periodic digest, to this Slack incoming webhook (docs/alerts.md).' },
  { flag: 'webhook-url', env: 'SYNBAIT_WEBHOOK_URL', kind: 'string', metavar: 'URL', group: 'alerts', secret: true,
    help: 'POST alerts and digests as JSON (record and labels, schema version 1) to this URL.' },
  { flag: 'alert-window', env: 'SYNBAIT_ALERT_WINDOW', kind: 'seconds', default: '24h', metavar: 'DURATION', group: 'alerts',
    help: 'A label or payload shape alerts again only after this long without being seen.' },
  { flag: 'alert-digest-interval', env: 'SYNBAIT_ALERT_DIGEST_INTERVAL', kind: 'seconds', default: '1h', metavar: 'DURATION', group: 'alerts',
    help: 'Period of the digest message counting what did not alert.' },
  { flag: 'alert-max-per-minute', env: 'SYNBAIT_ALERT_MAX_PER_MINUTE', kind: 'int', default: '6', metavar: 'N', group: 'alerts',
    help: 'Messages sent per minute at most, per destination.' },

  // ARP / NDP claiming
  { flag: 'arp-spoof', short: 'a', env: 'SYNBAIT_ARP_SPOOF', kind: 'bool', default: 'false', group: 'arp',
    help: 'Answer ARP for unused IPv4 addresses of the --network ranges: claimed only after unanswered requests and probes, released at once when a host shows up (docs/arp.md).' },
  { flag: 'arp-claim-requests', env: 'SYNBAIT_ARP_CLAIM_REQUESTS', kind: 'int', default: '3', metavar: 'N', group: 'arp',
    help: 'ARP requests for an address before synbait probes it and, if nobody answers, claims it.' },
  { flag: 'arp-claim-window', env: 'SYNBAIT_ARP_CLAIM_WINDOW', kind: 'seconds', default: '5', metavar: 'SECONDS', group: 'arp',
    help: 'The unanswered requests must span at least this long.' },
  { flag: 'arp-exclude', env: 'SYNBAIT_ARP_EXCLUDE', kind: 'list', metavar: 'CIDR', group: 'arp',
    help: 'IPv4 addresses never claimed (besides gateways and our own), e.g. a DHCP pool; repeatable.' },
  { flag: 'arp-recheck-interval', env: 'SYNBAIT_ARP_RECHECK_INTERVAL', kind: 'seconds', default: '60', metavar: 'SECONDS', group: 'arp',
    help: 'A claimed address is probed again (about 1.5 s) before answering when its last check is older.' },

  // metrics
  { flag: 'metrics-listen', env: 'SYNBAIT_METRICS_LISTEN', kind: 'string', metavar: 'ADDR:PORT', group: 'metrics',
    help: 'Serve /metrics (Prometheus) and /healthz here, e.g. 127.0.0.1:9108 (off unless set; a bare PORT means 127.0.0.1:PORT). Bound beyond loopback, its port is excluded from monitoring.' },
  { flag: 'health-file', env: 'SYNBAIT_HEALTH_FILE', kind: 'string', metavar: 'PATH', group: 'metrics',
    help: 'Rewrite this file every 2 s while the capture is open and its loop alive, remove it when not (the container image sets /run/synbait/heartbeat for its HEALTHCHECK; off unless set).' },

  // community signatures (Suricata / ET Open): loaded by the sensor, reloaded on SIGHUP and on the update schedule
  { flag: 'rules-dir', env: 'SYNBAIT_RULES_DIR', kind: 'string', metavar: 'DIR', group: 'signatures',
    help: 'Directory where `synbait rules update` keeps the community ruleset (sets/ and a current link); off unless set (docs/signatures.md).' },
  { flag: 'rules-update-url', env: 'SYNBAIT_RULES_UPDATE_URL', kind: 'string', default: ET_OPEN_URL, metavar: 'URL|FILE', group: 'signatures',
    help: 'Where `synbait rules update` fetches the ruleset (a .tar.gz of .rules files); the official ET Open URL is verified against its published .md5.' },
  { flag: 'rules-update-schedule', env: 'SYNBAIT_RULES_UPDATE_SCHEDULE', kind: 'string', default: '17 4 * * *', metavar: 'CRON', group: 'signatures',
    help: 'When a running sensor with --rules-dir updates its ruleset from --rules-update-url and reloads (cron syntax, UTC; default daily at 04:17); "off" disables. Without --rules-dir nothing is scheduled. SIGHUP reloads the rules from disk at any time.' },
  { flag: 'rules-categories', env: 'SYNBAIT_RULES_CATEGORIES', kind: 'list', metavar: 'NAMES', group: 'signatures',
    help: 'Load only these ET categories (emerging-<name>.rules), e.g. exploit,web_server,scan; repeatable. Default: every file.' },
  { flag: 'rules-enable', env: 'SYNBAIT_RULES_ENABLE', kind: 'string', metavar: 'FILE', group: 'signatures',
    help: 'enable.conf as suricata-update reads it: sids, gid:sid, re:REGEX, group:FILE lines turning rules on (applied after --rules-disable).' },
  { flag: 'rules-disable', env: 'SYNBAIT_RULES_DISABLE', kind: 'string', metavar: 'FILE', group: 'signatures',
    help: 'disable.conf as suricata-update reads it: the same line kinds, turning rules off.' },
  { flag: 'rules-var', env: 'SYNBAIT_RULES_VAR', kind: 'list', metavar: 'NAME=VALUE', group: 'signatures',
    help: 'Set a rule variable, e.g. HTTP_PORTS=[80,8080] or HOME_NET=[192.0.2.0/24]; repeatable. HOME_NET defaults to the monitored networks, the rest to suricata.yaml\'s defaults.' },

  // read by entrypoint.sh in the container; the sensor accepts them in its environment and ignores them
  { flag: 'firewall', env: 'SYNBAIT_FIREWALL', kind: 'enum', values: ['on', 'off'], default: 'on', group: 'appliance', entrypointOnly: true,
    help: 'synbait firewall up/down (entrypoint.sh): install the drop rules from iptables/ (off: touch nothing; you manage the firewall yourself).' },
  { flag: 'iptables-backend', env: 'SYNBAIT_IPTABLES_BACKEND', kind: 'enum', values: ['auto', 'nft', 'legacy'], default: 'auto', group: 'appliance', entrypointOnly: true,
    help: "synbait firewall up: iptables backend; auto detects the host's from its existing rules, else nft." },
];

/** Looks up a spec by long flag name. */
export function optionByFlag(flag: string): OptionSpec | undefined {
  return OPTIONS.find((o) => o.flag === flag);
}
