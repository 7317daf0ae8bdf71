export { Strategy, type AmazonAuthInfo } from './strategy';
export { alexaAccessToken } from './alexa';
export type {
  StrategyOptions,
  StrategyOptionsWithRequest,
  StrategyOptionsBase,
  IdResolver,
  LwaRegion,
  TokenInfoTransport,
} from './options';
export type { CacheOptions, CircuitBreakerOptions } from './options';
export type { CacheStore, CacheEntry } from './cache/entry';
export { CHANNELS, type CacheEvent, type UpstreamEvent, type OutcomeEvent, type CircuitEvent } from './events';
export type { AuthenticateTraceContext, TraceCacheResult } from './tracing';
export type { AmazonProfile } from './profile';
export type { TokenInfo } from './token-info';
// Types `req.authInfo.tokenInfo` for Express apps (a global augmentation: nothing at run time).
export type {} from './express-augment';
export type { TokenSource, TokenOrigin } from './extract';
export type { VerifyFunction, VerifyFunctionWithRequest, VerifyDone, VerifyResult } from './verify-callback';
export type { BearerErrorCode, RefusalReason } from './refusal';
export {
  LwaError,
  LwaUpstreamError,
  LwaRateLimitError,
  LwaTimeoutError,
  LwaOverloadedError,
  LwaCircuitOpenError,
  type LwaErrorCode,
  type LwaEndpoint,
} from './errors';
