// The built-in rule documents, imported as JSON modules (pure data; validated by compileRules like any other).

import c2 from './rules/c2.json' with { type: 'json' };
import detectors from './rules/detectors.json' with { type: 'json' };
import httpExploits from './rules/http-exploits.json' with { type: 'json' };
import logins from './rules/logins.json' with { type: 'json' };
import scanners from './rules/scanners.json' with { type: 'json' };
import services from './rules/services.json' with { type: 'json' };

/** Every built-in rule document, in evaluation (and label) order. */
export const builtinRuleDocs: readonly unknown[] = Object.freeze([
  ...(scanners as unknown[]),
  ...(httpExploits as unknown[]),
  ...(services as unknown[]),
  ...(c2 as unknown[]),
  ...(detectors as unknown[]),
  ...(logins as unknown[]),
]);
