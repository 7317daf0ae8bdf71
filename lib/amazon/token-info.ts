import { LwaUpstreamError } from '../errors';

/**
 * What tokeninfo says about a token, as handed to the app in `req.authInfo.tokenInfo`.
 * @example
 * ```ts
 * // Bound the app's own session by the token's life:
 * req.session.cookie.maxAge = (req.authInfo as AmazonAuthInfo).tokenInfo.expiresIn * 1000;
 * ```
 */
export interface TokenInfo {
  /** The client ID the token was issued to (tokeninfo `aud`). */
  readonly clientID: string;
  /** The LWA application (tokeninfo `app_id`), when Amazon gives one. */
  readonly appID?: string;
  /** The customer (tokeninfo `user_id`), equal to `profile.id`. */
  readonly userID: string;
  /** Seconds the token has left, as of this request: bound the app's own session by it. */
  readonly expiresIn: number;
  /** When the token was issued, in epoch seconds (tokeninfo `iat`). */
  readonly issuedAt?: number;
  /**
   * `true` when Amazon could not be asked (an outage, or the circuit breaker open) and a verdict the
   * cache had kept past `ttl` (within `cache.staleIfError`, never past the token's expiry) answered
   * instead. Absent otherwise. An app may want to refuse sensitive operations on a stale verdict.
   */
  readonly stale?: boolean;
}

/** tokeninfo's answer, checked, with `exp` turned into an absolute time. */
export interface CheckedTokenInfo {
  readonly aud: string;
  readonly appID: string | undefined;
  readonly userID: string;
  /** Epoch milliseconds when the token stops being valid. */
  readonly expiresAt: number;
  readonly issuedAt: number | undefined;
}

/** The most seconds of life a tokeninfo `exp` may claim (one year). */
export const MAX_EXP_SECONDS = 365 * 24 * 3600;

/** Checks the field types of a tokeninfo answer; a wrong one is Amazon misbehaving (502), not a bad token. */
export function checkTokenInfo(json: Readonly<Record<string, unknown>>, now: number): CheckedTokenInfo {
  const bad = (field: string): never => {
    throw new LwaUpstreamError(
      'ERR_LWA_RESPONSE_SHAPE',
      'tokeninfo',
      `field \`${field}\` is missing or of the wrong type`,
      200,
    );
  };
  // Own properties only: an inherited `aud` is not something Amazon said.
  const own = (key: string): unknown => (Object.hasOwn(json, key) ? json[key] : undefined);
  // The optional fields may come as null, which means absent.
  const [aud, userID, exp] = [own('aud'), own('user_id'), own('exp')];
  const [appID, iat] = [own('app_id') ?? undefined, own('iat') ?? undefined];
  if (typeof aud !== 'string' || aud === '') bad('aud');
  if (typeof userID !== 'string' || userID === '') bad('user_id');
  if (appID !== undefined && typeof appID !== 'string') bad('app_id');
  // `exp` is the seconds *remaining*, not an epoch time (Amazon's docs; a common mistake). Access
  // tokens live an hour; more than a year left is no longer a remaining life (an epoch time is ~1.7e9).
  if (typeof exp !== 'number' || !Number.isFinite(exp) || exp <= 0 || exp > MAX_EXP_SECONDS) bad('exp');
  if (iat !== undefined && (typeof iat !== 'number' || !Number.isFinite(iat))) bad('iat');
  return {
    aud: aud as string,
    appID: appID as string | undefined,
    userID: userID as string,
    expiresAt: now + (exp as number) * 1000,
    issuedAt: iat as number | undefined,
  };
}

/** The public view of a checked answer at time `now`; `stale` when it came from a lapsed cache entry. */
export function publicTokenInfo(info: CheckedTokenInfo, now: number, stale = false): TokenInfo {
  const view: { -readonly [K in keyof TokenInfo]: TokenInfo[K] } = {
    clientID: info.aud,
    userID: info.userID,
    expiresIn: Math.max(0, Math.floor((info.expiresAt - now) / 1000)),
  };
  if (info.appID !== undefined) view.appID = info.appID;
  if (info.issuedAt !== undefined) view.issuedAt = info.issuedAt;
  if (stale) view.stale = true;
  return view;
}
