#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=1 --v8-pool-size=1
// The `synbait` command: registers tsx, so the TypeScript sources in src/ run as they are, and calls main().
// The first line keeps memory flat for a long-running sensor: a 1 MB young generation (V8's default grows to
// 16 MB semi-spaces under the allocation bursts of record writing) and at most two glibc malloc arenas (libuv's
// threads otherwise each get an arena that is never returned), and one V8 helper thread instead of four (some
// 10 MB less idle RSS in the Node 24 image, measured side by side). The sensor adds a heap growing factor of its
// own at start (src/main.ts). Tried and left out: --no-concurrent-marking
// (p99 SYN->SYN-ACK while records are written 1.2-1.5 ms instead of 1.6-1.8 here, but the Node 24 image then
// idled at 143 MB: its old space stayed twice as large); fixed malloc trim/mmap thresholds (2-4 MB less malloc
// heap at idle, within the image's run-to-run noise, and `synbait report` 20 % slower: every large buffer mmapped).
import module from 'node:module';

// esbuild's synchronous API (used by tsx's in-thread hooks) otherwise keeps a worker thread with a V8 isolate of
// its own alive for the whole run: some 20 MB of RSS for nothing once the sources are loaded.
process.env.ESBUILD_WORKER_THREADS ??= '0';

let main;
if (typeof module.registerHooks === 'function') {
  // Node >= 22.15: tsx's module hooks run in this thread
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('./main.ts'));
} else {
  // Node 20: tsx's ESM hooks would run in a loader thread (another V8 isolate, ~20 MB RSS for the sensor's whole
  // life); its require hooks compile the same sources to CommonJS in this thread instead. require(), not import():
  // importing CommonJS makes Node lex tsx's bundle for its exports first (~0.2 s of start-up, paid by every
  // `synbait report`).
  const require = module.createRequire(import.meta.url);
  require('tsx/cjs/api').register();
  ({ main } = require('./main.ts'));
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (err) => {
    process.stderr.write(`synbait: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
