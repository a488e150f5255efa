#!/usr/bin/env node
// The `synbait` command: registers tsx, so the TypeScript sources in src/ run as they are, and starts main.
import module from 'node:module';

// esbuild's synchronous API (used by tsx's in-thread hooks) otherwise keeps a worker thread with a V8 isolate of
// its own alive for the whole run: some 20 MB of RSS for nothing once the sources are loaded.
process.env.ESBUILD_WORKER_THREADS ??= '0';

if (typeof module.registerHooks === 'function') {
  // Node >= 22.15: tsx's module hooks run in this thread
  const { register } = await import('tsx/esm/api');
  register();
  await import('./main.ts');
} else {
  // Node 20: tsx's ESM hooks would run in a loader thread (another V8 isolate, ~20 MB RSS for the sensor's whole
  // life); its require hooks compile the same sources to CommonJS in this thread instead
  const { register } = await import('tsx/cjs/api');
  register();
  module.createRequire(import.meta.url)('./main.ts');
}
