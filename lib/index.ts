/**
 * `passport-lwa-token`: accept a Login with Amazon access token, prove it was issued to your app,
 * and turn it into the customer's profile. `LwaVerifier` is the core; `Strategy` is its Passport
 * adapter (the NestJS and Fastify entries build on that).
 * @packageDocumentation
 */
export { LwaVerifier, type Verification, type VerifyContext, type RevokeRequestResult } from './verifier';
export { Strategy, type AmazonAuthInfo } from './adapters/passport/strategy';
export { alexaAccessToken } from './request/alexa';
export type { LwaVerifierOptions, StrategyOptions, StrategyOptionsWithRequest, IdResolver, LwaRegion } from './options';
export type { CacheOptions } from './cache/cache-options';
export type { CircuitBreakerOptions } from './gate/circuit-breaker';
export type { CacheStore } from './cache/entry';
export { CHANNELS, type ChannelMessages } from './observability/events';
export type { AmazonProfile } from './amazon/profile';
export type { TokenInfo } from './amazon/token-info';
// Types `req.authInfo.tokenInfo` for Express apps (a global augmentation: nothing at run time).
export type {} from './adapters/passport/express-augment';
export type {} from './adapters/passport/authenticate-options-augment';
export type { TokenSource, TokenOrigin } from './request/extract';
export type { VerifyFunction, VerifyFunctionWithRequest } from './adapters/passport/verify-callback';
export type { RefusalReason } from './refusal';
export type { LwaScope } from './scope';
export { LwaError, LwaUpstreamError, LwaTimeoutError, LwaUnavailableError, type LwaErrorCode } from './errors';
