// The facts of a recorded dialogue: the same state machine that ran live reads the client bytes the dialogue
// consumed (payload[0, client_len)), its output discarded. Its decisions depend only on those bytes, so the facts
// are the ones it gathered live, and old archives get today's parsers (synbait report --relabel). What the server
// chose at random (the VNC challenge, the MySQL scramble) is read back from the bytes it sent.

import type { GreetProtocol } from '../record/dialogue.ts';
import { createDialogue } from './create-dialogue.ts';
import { MAX_ATTEMPTS_LIMIT, type Output } from './dialogue.ts';
import { mysqlSaltIn } from './mysql.ts';
import { DEFAULT_TEXTS } from './texts.ts';
import { vncChallengeIn } from './vnc.ts';

const DISCARD: Output = { bytes: () => {}, text: () => {}, pause: () => {} };
const NO_SEED = new Uint8Array(32);

export function replayDialogue(protocol: GreetProtocol, client: Uint8Array, server: Uint8Array): Record<string, unknown> {
  // the live limit ended the dialogue where client_len ends; a higher one here cannot read further
  const d = createDialogue(protocol, { texts: DEFAULT_TEXTS, maxAttempts: MAX_ATTEMPTS_LIMIT, seed: NO_SEED, peer: '' });
  d.start(DISCARD);
  d.feed(client, 0, client.length, DISCARD);
  const facts = d.facts();
  if (protocol === 'vnc') {
    const challenge = vncChallengeIn(server);
    if (challenge !== undefined && facts.response !== undefined) facts.challenge = challenge;
  } else if (protocol === 'mysql') {
    const salt = mysqlSaltIn(server);
    if (salt !== undefined && facts.user !== undefined) facts.salt = salt;
  }
  return facts;
}
