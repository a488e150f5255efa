// Child process for the spool lock tests: takes the lock on DIR, prints "locked", then either holds it until
// killed (hold) or returns without releasing it (exit: the helper must not keep this process alive).
//   node --import tsx test/unit/archive/lock-child.ts DIR hold|exit

import { SpoolLock } from '../../../../src/sinks/archive/spool-lock.ts';

const lock = await SpoolLock.acquire(process.argv[2]!);
process.stdout.write(`locked ${lock.path}\n`);
if (process.argv[3] === 'hold') setInterval(() => {}, 1000);
