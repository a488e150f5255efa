// Loads a module on demand, so a run only pays for what it uses (the classifier for --relabel, the AWS SDK for
// s3:// inputs and --s3-bucket, the community-signature engine for .rules files). Under tsx's CommonJS hooks (src/bin.mjs on Node 20) `require` compiles TypeScript and `import()`
// would not; under its ESM hooks `require` does not exist.

import { createRequire } from 'node:module';

/** `specifier` relative to `base` (the caller's import.meta.url). */
export function loadModule<T>(specifier: string, base: string): Promise<T> {
  if (typeof require === 'function') return Promise.resolve(createRequire(base)(specifier) as T);
  return import(new URL(specifier, base).href) as Promise<T>;
}
