import type { AmazonAnswer, AmazonClient } from './client';
import type { Deadline } from './deadline';
import { DISCARD_GRACE_MS } from '../defaults';
import { LwaUpstreamError } from '../errors';
import { normalizeProfile, type AmazonProfile } from './profile';
import { refusals, type Refusal } from '../refusal';
import { checkTokenInfo, type CheckedTokenInfo } from './token-info';
import { RecentRefusals } from './recent-refusals';

/**
 * A token Amazon vouched for: issued to one of our clients, with the customer's profile.
 * `profileFree`: only tokeninfo was asked (a route that needs no more than `profile:user_id`), and
 * `profile` is built from its `user_id` alone ({@link idOnlyProfile}); such a verdict never answers
 * a verification that needs the profile.
 */
export interface VerifiedToken {
  readonly tokenInfo: CheckedTokenInfo;
  readonly profile: AmazonProfile;
  readonly profileFree?: true;
}

/**
 * What a verification must get from Amazon: `'profile'`, tokeninfo and the profile (the default);
 * `'id'`, tokeninfo alone, which proves the audience and names the customer (half the calls).
 */
export type Need = 'profile' | 'id';

/**
 * A verdict on a token. `stale`: Amazon could not be asked, and this verified verdict is past its
 * `ttl` but within `cache.staleIfError` (and the token's own expiry).
 */
export type Verdict =
  | { readonly ok: true; readonly verified: VerifiedToken; readonly stale?: true }
  | { readonly ok: false; readonly refusal: Refusal };

/** Whom a token must have been issued to: `aud` one of `clientIDs`, and `app_id` one of `appIDs` if set. */
export interface AudienceRules {
  readonly clientIDs: ReadonlySet<string>;
  readonly appIDs: ReadonlySet<string> | undefined;
}

/**
 * The rules of one request (the same for every request unless `clientID` or `appID` is a function),
 * with `tag`, a short digest of them that every cache and single-flight key carries.
 */
export interface Audience extends AudienceRules {
  readonly tag: string;
}

/**
 * Turns a token into a verdict on it for `audience`. Refusals resolve; outages and bad answers
 * reject with an LwaError. `deadline` bounds the whole verification; without one, the verifier's
 * own `timeout` does. `trace`, given only when someone traces authentications, is told the cache
 * result and the attempts made.
 */
export interface TokenVerifier {
  verify(token: string, audience: Audience, deadline?: Deadline, need?: Need): Promise<Verdict>;
}

/**
 * Asks Amazon about a token: tokeninfo and profile at once (one round trip, not two), and success
 * needs both. Amazon's definite refusals win over an outage on the other call, since the token is
 * then known to be bad, and they answer at once: a refusal does not wait for the slower call (a
 * profile call that hangs does not hold a token issued to another app until `timeout`). The call
 * no longer needed gets {@link DISCARD_GRACE_MS} to finish (so its connection is kept), then is
 * stopped. Otherwise an outage is an error, never a refusal. With `need` `'id'`, tokeninfo alone
 * (profile-free).
 *
 * While refusals dominate tokeninfo's recent answers ({@link RecentRefusals}: a flood of junk),
 * tokeninfo goes first and the profile is asked only for a token it accepts: a junk token costs
 * one call instead of two, a customer two round trips instead of one.
 */
export class AmazonVerifier implements TokenVerifier {
  private readonly recent = new RecentRefusals();

  /** Whether refusals dominate tokeninfo's recent answers (a flood of junk). */
  get flooded(): boolean {
    return this.recent.flooded;
  }

  constructor(private readonly client: AmazonClient) {}

  async verify(token: string, rules: AudienceRules, deadline?: Deadline, need: Need = 'profile'): Promise<Verdict> {
    if (need === 'id') return decideIdOnly(await this.tokenInfo(token, deadline), rules);
    // Aborts at the deadline too: the calls' one signal.
    const stop = deadline?.cancellable() ?? new AbortController();
    const info = this.tokenInfo(token, deadline, stop.signal);
    let profile: Promise<AmazonAnswer> | undefined;
    const askProfile = (): Promise<AmazonAnswer> => {
      if (profile === undefined) {
        profile = this.client.profile(token, deadline, stop.signal);
        // Looked at below, but possibly not before it fails: it may not go unhandled.
        profile.catch(() => undefined);
      }
      return profile;
    };
    const serial = this.recent.flooded;
    if (!serial) void askProfile();
    info.catch(() => undefined);
    try {
      const decided = decide(info, askProfile, () => profile !== undefined, rules);
      return await (serial ? decided : Promise.race([profileRefuses(askProfile()), decided]));
    } finally {
      const later = setTimeout(() => stop.abort(), DISCARD_GRACE_MS).unref();
      void Promise.allSettled([info, profile]).then(() => clearTimeout(later));
    }
  }

  /** Tokeninfo, its answer counted in {@link RecentRefusals}. */
  private tokenInfo(token: string, deadline?: Deadline, signal?: AbortSignal): Promise<AmazonAnswer> {
    const call = this.client.tokenInfo(token, deadline, signal);
    call.then(
      (answer) => this.recent.record(answer.kind === 'refusal'),
      () => undefined,
    );
    return call;
  }
}

const refuse = (refusal: Refusal): Verdict => ({ ok: false, refusal });

/**
 * The profile of a profile-free verdict: what Amazon's profile endpoint answers a token that has
 * only `profile:user_id` (`{"user_id": …}`), built from tokeninfo's `user_id`, so that `verify`
 * code sees the same shape either way.
 */
export function idOnlyProfile(userID: string): AmazonProfile {
  const json = { user_id: userID };
  return { provider: 'amazon', id: userID, _raw: JSON.stringify(json), _json: json };
}

/** A token issued to another client or app: its refusal; `undefined` when the audience is ours. */
function audienceRefusal(tokenInfo: CheckedTokenInfo, rules: AudienceRules): Verdict | undefined {
  if (!rules.clientIDs.has(tokenInfo.aud)) return refuse(refusals.audienceMismatch);
  if (rules.appIDs && (tokenInfo.appID === undefined || !rules.appIDs.has(tokenInfo.appID))) {
    return refuse(refusals.appIdMismatch);
  }
  return undefined;
}

/** The verdict from tokeninfo alone: it proves the audience and names the customer. */
function decideIdOnly(info: AmazonAnswer, rules: AudienceRules): Verdict {
  if (info.kind === 'refusal') {
    return refuse(info.error === 'insufficient_scope' ? refusals.insufficientScope : refusals.tokenRejected);
  }
  const tokenInfo = checkTokenInfo(info.json, Date.now());
  return (
    audienceRefusal(tokenInfo, rules) ?? {
      ok: true,
      verified: { tokenInfo, profile: idOnlyProfile(tokenInfo.userID), profileFree: true },
    }
  );
}

/** Amazon refused the token plainly (not `insufficient_scope`, which says nothing about its owner). */
function isPlainRefusal(answer: AmazonAnswer): boolean {
  return answer.kind === 'refusal' && answer.error !== 'insufficient_scope';
}

/**
 * Resolves as soon as the profile call plainly refuses the token (the token is bad, whatever
 * tokeninfo says or is still doing), and never otherwise: {@link decide} handles the rest.
 */
function profileRefuses(profile: Promise<AmazonAnswer>): Promise<Verdict> {
  return profile.then(
    (answer) => (isPlainRefusal(answer) ? refuse(refusals.tokenRejected) : new Promise<never>(() => undefined)),
    () => new Promise<never>(() => undefined),
  );
}

/** The profile's result, once it is known, as a value (never a rejection). */
async function settled(profile: Promise<AmazonAnswer>): Promise<PromiseSettledResult<AmazonAnswer>> {
  try {
    return { status: 'fulfilled', value: await profile };
  } catch (reason) {
    return { status: 'rejected', reason };
  }
}

/**
 * The verdict, from tokeninfo first: a plain refusal or a wrong audience decides at once, without
 * the profile (asked by `profileCall`, at once or only now; `asked` says whether it was). Every
 * other case waits for the profile; a plain refusal from it gives the same
 * verdict as {@link profileRefuses}, so the order in which the two answers arrive changes nothing
 * but, when both refuse, which refusal's reason is reported (the status is 401 either way).
 */
async function decide(
  infoCall: Promise<AmazonAnswer>,
  profileCall: () => Promise<AmazonAnswer>,
  asked: () => boolean,
  rules: AudienceRules,
): Promise<Verdict> {
  let tokenInfo: CheckedTokenInfo;
  try {
    const info = await infoCall;
    if (info.kind === 'refusal') {
      if (info.error !== 'insufficient_scope') return refuse(refusals.tokenRejected);
      // Scope says nothing about the token's validity: a plain refusal from the profile wins.
      const profile = await settled(profileCall());
      const invalid = profile.status === 'fulfilled' && isPlainRefusal(profile.value);
      return refuse(invalid ? refusals.tokenRejected : refusals.insufficientScope);
    }
    tokenInfo = checkTokenInfo(info.json, Date.now());
  } catch (error) {
    // Without tokeninfo (an outage, an answer of the wrong shape) the audience is unknown, so only
    // a plain "invalid token" from the profile, if it was asked, can be trusted.
    if (!asked()) throw error;
    const profile = await settled(profileCall());
    if (profile.status === 'fulfilled' && isPlainRefusal(profile.value)) return refuse(refusals.tokenRejected);
    throw error;
  }
  const mismatch = audienceRefusal(tokenInfo, rules);
  if (mismatch) return mismatch;

  const profile = await profileCall();
  if (profile.kind === 'refusal') {
    return refuse(profile.error === 'insufficient_scope' ? refusals.insufficientScope : refusals.tokenRejected);
  }
  const customer = normalizeProfile(profile.json, profile.raw);
  if (!customer) {
    throw new LwaUpstreamError('ERR_LWA_RESPONSE_SHAPE', 'profile', 'answer has no customer id', 200);
  }
  if (customer.id !== tokenInfo.userID) return refuse(refusals.userIdMismatch);
  return { ok: true, verified: { tokenInfo, profile: customer } };
}
