#!/usr/bin/env node
// The `synbait` command: registers tsx (so the TypeScript sources run as they are) and starts main.
// esbuild's synchronous API (used by tsx's in-thread hooks on Node >= 22.15) otherwise keeps a worker thread with a
// V8 isolate of its own alive for the whole run: some 20 MB of RSS for nothing once the sources are loaded.
process.env.ESBUILD_WORKER_THREADS ??= '0';
const { register } = await import('tsx/esm/api');

register();
await import('./main.ts');
