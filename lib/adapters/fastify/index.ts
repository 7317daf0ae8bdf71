/**
 * `passport-lwa-token/fastify`: what `@fastify/passport` needs to send the strategy's challenge on
 * every refusal. Loads without `fastify` or `@fastify/passport` installed; it only uses what they
 * pass it.
 *
 * @example
 * ```ts
 * import { amazonTokenCallback } from 'passport-lwa-token/fastify';
 * ```
 * @packageDocumentation
 */
export { amazonTokenCallback, type FastifyPassportRequest, type FastifyReplyLike } from './amazon-token-callback';
// `optional` in @fastify/passport's route options (a type augmentation: nothing at run time).
export type {} from './authenticate-options-augment';
