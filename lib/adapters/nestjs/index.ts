/**
 * `passport-lwa-token/nestjs`: the strategy as a NestJS provider and a guard that keeps its
 * answers. Needs `@nestjs/common` and `@nestjs/passport` (with `passport`), which the main entry
 * does not.
 *
 * @example
 * ```ts
 * import { AmazonTokenGuard, AmazonTokenStrategy } from 'passport-lwa-token/nestjs';
 * ```
 * @packageDocumentation
 */
export { AmazonTokenStrategy } from './amazon-token-strategy';
export { AmazonTokenGuard } from './amazon-token-guard';
export type { AmazonTokenErrorBody } from './error-body';
// `req.authInfo.tokenInfo` and `optional` in guard options, as the main entry types them (nothing at run time).
export type {} from '../passport/express-augment';
export type {} from '../passport/authenticate-options-augment';
