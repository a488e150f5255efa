// The community-signature settings (--rules-dir, --rules-update-url, --rules-categories, --rules-var ...), read
// by `synbait rules` and, once integrated, by the sensor. Malformed values fail with the flag named.

import { parseVarAssignment } from '../classify/suricata/rule-vars.ts';

export interface SignatureSettings {
  readonly rulesDir: string | undefined;
  readonly updateUrl: string;
  /** Cron expression, or undefined when "off". */
  readonly updateSchedule: string | undefined;
  readonly categories: readonly string[];
  readonly enableFile: string | undefined;
  readonly disableFile: string | undefined;
  /** NAME → value overrides of the rule variables. */
  readonly vars: ReadonlyMap<string, string>;
}

export interface SettingsAccess {
  readonly text: (flag: string) => string | undefined;
  readonly list: (flag: string) => string[];
  readonly fail: (flag: string, what: string, value: unknown) => never;
}

export function signatureSettings(a: SettingsAccess): SignatureSettings {
  const vars = new Map<string, string>();
  // a value may itself hold commas ([80,8080]): list items without "=" continue the previous one
  let last: string | undefined;
  for (const item of a.list('rules-var')) {
    if (!item.includes('=') && last !== undefined) {
      vars.set(last, `${vars.get(last)},${item}`);
      continue;
    }
    const v = parseVarAssignment(item);
    if (!v) a.fail('rules-var', 'expected NAME=VALUE such as HTTP_PORTS=[80,8080]', item);
    else {
      vars.set(v[0], v[1]);
      last = v[0];
    }
  }
  const categories = a.list('rules-categories');
  for (const c of categories) if (!/^[a-z0-9_]{1,40}$/.test(c)) a.fail('rules-categories', 'expected ET category names such as exploit,web_server,scan', c);
  const url = a.text('rules-update-url') ?? '';
  if (url === '' || (/^[a-z]+:/i.test(url) && !/^(https?|file):\/\//i.test(url))) a.fail('rules-update-url', 'expected an http(s) URL or a file path', url);
  const schedule = (a.text('rules-update-schedule') ?? '').trim();
  if (schedule !== 'off' && schedule !== '' && schedule.split(/\s+/).length < 5) {
    a.fail('rules-update-schedule', 'expected a cron expression (5 or 6 fields) or off', schedule);
  }
  return {
    rulesDir: a.text('rules-dir') || undefined,
    updateUrl: url,
    updateSchedule: schedule === 'off' || schedule === '' ? undefined : schedule,
    categories,
    enableFile: a.text('rules-enable') || undefined,
    disableFile: a.text('rules-disable') || undefined,
    vars,
  };
}
