// Runs `synbait report` without the sensor's modules: src/bin.mjs loads this file instead of main.ts for
// `synbait report ARGS` (start-up is part of every report's run: main.ts would load the capture, archive and S3
// code first), and `node --import tsx src/report/cli-entry.ts ARGS` does the same by hand.

import { runReport } from './cli.ts';

// (src/bin.mjs takes the word "report" out of argv before loading this file)
runReport(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`synbait: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
