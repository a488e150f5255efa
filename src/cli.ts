// Flags and SYNBAIT_* environment -> Settings. lurker's command line (-i -n -e -a -l) works unchanged.
// Flags win over the environment. Unknown flags and unknown SYNBAIT_* variables are ConfigErrors (exit 2).

import { ConfigError } from './errors.ts';
import { OPTIONS, type OptionSpec, type OptionGroup } from './config/options.ts';
import { splitFlag } from './config/parse-values.ts';
import { buildSettings, type RawValues, type Settings } from './config/settings.ts';

export type Command =
  | { readonly kind: 'run'; readonly settings: Settings }
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'subcommand'; readonly name: SubcommandName; readonly args: readonly string[] };

/** Subcommands dispatched by main; each parses its own arguments. */
export const SUBCOMMANDS = ['report', 'label', 'rules', 'firewall', 'firewall-rules'] as const;
export type SubcommandName = (typeof SUBCOMMANDS)[number];

export function parseCommandLine(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  host: { hostname: string },
): Command {
  const first = argv[0];
  if (first !== undefined && (SUBCOMMANDS as readonly string[]).includes(first)) {
    return { kind: 'subcommand', name: first as SubcommandName, args: argv.slice(1) };
  }

  const raw = new Map<string, string | string[] | boolean>();
  const sources = new Map<string, string>();

  // environment first, flags override
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('SYNBAIT_') || value === undefined) continue;
    const spec = OPTIONS.find((o) => o.env === name);
    if (!spec) {
      throw new ConfigError(`unknown environment variable ${name} (see synbait --help for the list)`, name);
    }
    if (spec.entrypointOnly) continue;
    raw.set(spec.flag, spec.kind === 'list' ? [value] : value);
    sources.set(spec.flag, name);
  }

  const fromFlags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') return { kind: 'help' };
    if (arg === '-V' || arg === '--version') return { kind: 'version' };
    if (!arg.startsWith('-') || arg.length < 2) {
      throw new ConfigError(`unexpected argument ${JSON.stringify(arg)} (see synbait --help)`, arg);
    }
    const { long, short, inline, shown } = splitFlag(arg);
    const spec: OptionSpec | undefined = long !== undefined
      ? OPTIONS.find((o) => o.flag === long && !o.entrypointOnly)
      : OPTIONS.find((o) => o.short === short);
    if (!spec) throw new ConfigError(`unknown flag ${shown} (see synbait --help)`, shown);
    const label = spec.short ? `-${spec.short}/--${spec.flag}` : `--${spec.flag}`;
    if (spec.kind === 'bool') {
      if (inline !== undefined && arg.startsWith('-') && !arg.startsWith('--')) {
        throw new ConfigError(`${label} takes no value`, shown);
      }
      raw.set(spec.flag, inline === undefined ? true : inline);
    } else {
      let value = inline;
      if (value === undefined) {
        value = argv[++i];
        if (value === undefined) throw new ConfigError(`${label} needs a value`, shown);
      }
      if (spec.kind === 'list') {
        const prev = fromFlags.has(spec.flag) ? (raw.get(spec.flag) as string[]) : [];
        raw.set(spec.flag, [...prev, value]);
      } else {
        raw.set(spec.flag, value);
      }
    }
    fromFlags.add(spec.flag);
    sources.set(spec.flag, label);
  }

  return { kind: 'run', settings: buildSettings(raw as RawValues, sources, host) };
}

const GROUP_TITLES: Record<OptionGroup, string> = {
  capture: 'Capture',
  greet: 'Greetings (server-first protocols)',
  output: 'Output',
  limits: 'Flood safety',
  archive: 'Archive',
  s3: 'S3 upload',
  alerts: 'Alerts',
  arp: 'Subnet claiming (ARP)',
  metrics: 'Metrics and health',
  signatures: 'Community signatures (Suricata / ET Open)',
  appliance: 'Container (entrypoint.sh only)',
};

export function renderHelp(version: string): string {
  const lines = [
    `synbait ${version}: all-port low-interaction honeypot sensor`,
    '',
    'Usage:',
    '  synbait -i DEVICE [-n CIDR]... [-e PORTS]... [options]',
    '  synbait report PATH|s3://BUCKET/PREFIX ... [options]   (synbait report --help)',
    '  synbait label FILE.pcap... [options]   (the sensor\'s records for existing captures; synbait label --help)',
    '  synbait firewall up|down|render|device ...   (the container firewall; synbait firewall --help)',
    '  synbait rules check FILE|DIR... | synbait rules update [options]   (community signatures; --help)',
    '',
    'Every flag can also be set with its environment variable; the flag wins.',
  ];
  for (const group of Object.keys(GROUP_TITLES) as OptionGroup[]) {
    const opts = OPTIONS.filter((o) => o.group === group);
    if (opts.length === 0) continue;
    lines.push('', `${GROUP_TITLES[group]}:`);
    for (const o of opts) {
      const name = o.entrypointOnly
        ? o.env
        : `${o.short ? `-${o.short}, ` : '    '}--${o.flag}${o.kind === 'bool' ? '' : ` ${o.metavar ?? o.values?.join('|') ?? 'VALUE'}`}`;
      lines.push(`  ${name}`);
      const def = o.default !== undefined ? ` [default: ${o.default}]` : '';
      lines.push(`        ${o.help}${def}${o.entrypointOnly ? '' : ` (env ${o.env})`}`);
    }
  }
  lines.push('', 'Exit status: 0 after a clean shutdown (SIGTERM/SIGINT), 1 on a runtime failure, 2 on bad configuration.');
  return lines.join('\n') + '\n';
}

/** Markdown table of every variable, for README (kept in sync by a test). */
export function renderOptionsTable(): string {
  const rows = ['| Flag | Variable | Default | Meaning |', '| --- | --- | --- | --- |'];
  for (const o of OPTIONS) {
    const flag = o.entrypointOnly ? '(entrypoint)' : `${o.short ? `\`-${o.short}\` ` : ''}\`--${o.flag}\``;
    const def = o.default !== undefined ? `\`${o.default}\`` : '';
    rows.push(`| ${flag} | \`${o.env}\` | ${def} | ${o.help.replace(/\|/g, '\\|')} |`);
  }
  return rows.join('\n');
}
