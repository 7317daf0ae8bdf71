export { Strategy, type AmazonAuthInfo } from './adapters/passport/strategy';
export { alexaAccessToken } from './request/alexa';
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
export {
  CHANNELS,
  type CacheEvent,
  type UpstreamEvent,
  type OutcomeEvent,
  type CircuitEvent,
} from './observability/events';
export type { AuthenticateTraceContext, TraceCacheResult } from './observability/tracing';
export type { AmazonProfile } from './amazon/profile';
export type { TokenInfo } from './amazon/token-info';
// Types `req.authInfo.tokenInfo` for Express apps (a global augmentation: nothing at run time).
export type {} from './adapters/passport/express-augment';
export type { TokenSource, TokenOrigin } from './request/extract';
export type {
  VerifyFunction,
  VerifyFunctionWithRequest,
  VerifyDone,
  VerifyResult,
} from './adapters/passport/verify-callback';
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
