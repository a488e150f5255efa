// Runs `synbait report` on its own (node --import tsx src/report/cli-entry.ts ARGS), without the sensor's
// start-up path; `synbait report ...` (src/bin.mjs -> main.ts) is the usual way in.

import { runReport } from './cli.ts';

process.exitCode = await runReport(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
