#!/usr/bin/env node
// The `synbait` command: registers tsx (so the TypeScript sources run as they are) and starts main.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
