/** `node --import ./tools/ts/register.mjs cli/x.ts`: run TypeScript CLIs from the compile cache (see loader.mjs). */
import { register } from 'node:module';

process.setSourceMapsEnabled(true);
register('./loader.mjs', import.meta.url);
