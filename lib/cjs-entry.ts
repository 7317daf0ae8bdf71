/**
 * The CommonJS entry, what `require('passport-lwa-token')` returns: the `Strategy` class itself, as
 * Passport strategies conventionally are (`passport-http-bearer`, `passport-amazon-token`), carrying
 * every named export too. Both of these work:
 *
 * @example
 * ```js
 * const Strategy = require('passport-lwa-token');
 * const { Strategy, LwaError } = require('passport-lwa-token');
 * ```
 *
 * TypeScript sees the named exports (`dist/cjs/index.d.ts`): write `import { Strategy } from
 * 'passport-lwa-token'` there, in CommonJS and ESM projects alike. The ESM entry re-exports the same
 * CommonJS module, so there is one copy of each class whichever way the package is loaded.
 * @packageDocumentation
 */
import * as api from './index';

const entry: typeof api.Strategy & typeof api = Object.assign(api.Strategy, api);
export = entry;
