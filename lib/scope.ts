/**
 * Scopes a route needs, and whether a token grants them. Amazon does not list a token's scopes
 * (neither tokeninfo nor the profile says them), so they are inferred from what the profile holds:
 * `profile` from a name and an e-mail, `postal_code` from a postal code, `profile:user_id` always
 * (tokeninfo names the customer of every token).
 */
import type { AmazonProfile } from './amazon/profile';
import type { Need } from './amazon/amazon-verifier';
import { fail } from './checks';

/**
 * A Login with Amazon scope, as a route asks for it (`scope` option, per route or for every route).
 * @example
 * ```ts
 * app.get('/api/shipping', passport.authenticate('amazon-token', { session: false, scope: 'postal_code' }), handler);
 * const scopes: LwaScope[] = ['profile', 'postal_code'];
 * ```
 */
export type LwaScope = 'profile' | 'profile:user_id' | 'postal_code';

/** In the order the `scope` attribute of a challenge lists them. */
const ALL_SCOPES: readonly LwaScope[] = Object.freeze(['profile', 'profile:user_id', 'postal_code']);

/** What a route needs: what to fetch from Amazon, and the challenge's `scope` attribute when refused. */
export interface ScopeNeed {
  readonly scopes: ReadonlySet<LwaScope>;
  /** `'id'` when only `profile:user_id` is needed: tokeninfo alone answers (profile-free). */
  readonly need: Need;
  /** The scopes, space-separated (RFC 6750 §3): only our fixed names, never outside text. */
  readonly attribute: string;
}

// Checked once per distinct value: a route's options are one object, so its scope is checked once.
const checked = new Map<string, ScopeNeed>();

/**
 * Checks a `scope` (a construction option or a route's): one of the {@link LwaScope}s or a
 * non-empty array of them. `undefined` stays `undefined` (nothing required: the profile is fetched
 * and passed on as Amazon gives it). A bad value is a `TypeError` naming `option`.
 */
export function resolveScope(option: string, value: unknown): ScopeNeed | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((s) => ALL_SCOPES.includes(s as LwaScope))) {
    fail(option, `one of ${ALL_SCOPES.map((s) => `'${s}'`).join(', ')}, or a non-empty array of them`);
  }
  const scopes = new Set(list as LwaScope[]);
  const attribute = ALL_SCOPES.filter((s) => scopes.has(s)).join(' ');
  let resolved = checked.get(attribute);
  if (resolved === undefined) {
    const idOnly = scopes.size === 1 && scopes.has('profile:user_id');
    resolved = Object.freeze({ scopes, need: idOnly ? 'id' : 'profile', attribute });
    checked.set(attribute, resolved);
  }
  return resolved;
}

/**
 * Whether `profile` shows every scope of `need`. A profile-free verdict is only ever asked for
 * `profile:user_id`, which every token grants.
 */
export function grants(profile: AmazonProfile, need: ScopeNeed): boolean {
  if (need.scopes.has('profile') && (profile.displayName === undefined || profile.emails === undefined)) return false;
  if (need.scopes.has('postal_code') && profile.postalCode === undefined) return false;
  return true;
}
