import { hash } from 'node:crypto';
import { refusals, type Refusal } from '../refusal';
import type { Audience } from '../amazon/amazon-verifier';

/**
 * `clientID` or `appID` after the constructor's checks: fixed IDs, or the app's function of the
 * request (a multi-tenant API), whose result is checked on each request instead.
 */
export type IdRule = ReadonlySet<string> | ((req: never) => unknown);

/** Distinct rule sets kept with their tag; past it the oldest goes (recomputing one is cheap). */
const MEMO_MAX = 1000;

type Side = readonly string[] | ((req: unknown) => unknown);

/**
 * The audience rules each request is checked against, and their tag, which is part of every cache
 * and single-flight key, so that a verdict reached for one tenant's rules never answers for
 * another's (docs/design.md, Cache and single flight).
 *
 * With fixed `clientID` and `appID` there is one audience, built here once: `resolve` returns it
 * synchronously, so the usual configuration adds no promise to a request. With a function, its
 * result is checked and turned into rules on each request; the rules and their tag are memoized by
 * the IDs' canonical form (sorted, deduplicated), so a request of a known tenant costs a sort, a
 * `JSON.stringify` and a lookup, not a hash.
 */
export class AudienceResolver {
  private readonly fixed: Audience | undefined;
  private readonly memo = new Map<string, Audience>();
  private readonly clientID: Side;
  private readonly appID: Side | undefined;

  constructor(clientID: IdRule, appID: IdRule | undefined) {
    this.clientID = side(clientID);
    this.appID = appID === undefined ? undefined : side(appID);
    if (typeof this.clientID !== 'function' && typeof this.appID !== 'function') {
      this.fixed = this.audienceOf(this.clientID, this.appID);
    }
  }

  /**
   * The rules for `req`. Synchronous unless a function returned a promise. A function that throws
   * or rejects passes its error on; one whose result is not a string or an array of non-empty
   * strings is a `TypeError` naming the option: both are the app's fault, never a refusal.
   */
  resolve(req: unknown): Audience | Promise<Audience> {
    if (this.fixed !== undefined) return this.fixed;
    const clientIDs = idsFor('clientID', this.clientID, req);
    return isThenable(clientIDs)
      ? Promise.resolve(clientIDs).then((ids) => this.withAppIDs(req, checkedIds('clientID', ids)))
      : this.withAppIDs(req, clientIDs);
  }

  /** Rule sets memoized so far (for tests). */
  get memoized(): number {
    return this.memo.size;
  }

  private withAppIDs(req: unknown, clientIDs: readonly string[]): Audience | Promise<Audience> {
    if (this.appID === undefined) return this.audienceOf(clientIDs, undefined);
    const appIDs = idsFor('appID', this.appID, req);
    return isThenable(appIDs)
      ? Promise.resolve(appIDs).then((ids) => this.audienceOf(clientIDs, checkedIds('appID', ids)))
      : this.audienceOf(clientIDs, appIDs);
  }

  private audienceOf(clientIDs: readonly string[], appIDs: readonly string[] | undefined): Audience {
    const clients = canonical(clientIDs);
    const apps = appIDs === undefined ? null : canonical(appIDs);
    // The same text today's fixed configuration hashes, so its keys (in a shared store) stay the same.
    const key = JSON.stringify([clients, apps]);
    let audience = this.memo.get(key);
    if (audience === undefined) {
      audience = Object.freeze({
        clientIDs: new Set(clients),
        appIDs: apps === null ? undefined : new Set(apps),
        tag: hash('sha256', key, 'base64url').slice(0, 12),
      });
      if (this.memo.size >= MEMO_MAX) this.memo.delete(this.memo.keys().next().value as string);
      this.memo.set(key, audience);
    }
    return audience;
  }
}

/**
 * Why no token can pass `audience`: a function gave an empty list, so no application is accepted
 * for this request. Checked before asking Amazon, which could not change the answer.
 */
export function acceptsNone(audience: Audience): Refusal | undefined {
  if (audience.clientIDs.size === 0) return refusals.noClientIds;
  if (audience.appIDs?.size === 0) return refusals.noAppIds;
  return undefined;
}

function side(rule: IdRule): Side {
  return typeof rule === 'function' ? (rule as (req: unknown) => unknown) : [...rule];
}

/** The fixed IDs, or the checked result of the function (a promise of it left for the caller to check). */
function idsFor(option: string, rule: Side, req: unknown): readonly string[] | PromiseLike<unknown> {
  if (typeof rule !== 'function') return rule;
  const result = rule(req);
  return isThenable(result) ? result : checkedIds(option, result);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * A function's result as a list: a string is a list of one, an empty array is allowed (nothing is
 * accepted); anything else is the app's bug. The message says what was wrong, never the value.
 */
function checkedIds(option: string, value: unknown): readonly string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (Array.isArray(list) && list.every(isId)) return list;
  throw new TypeError(
    `passport-lwa-token: option \`${option}\` is a function that returned ${kindOf(value)}; ` +
      'it must return (or resolve to) a non-empty string or an array of non-empty strings',
  );
}

function isId(id: unknown): id is string {
  return typeof id === 'string' && id !== '' && id === id.trim();
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string with spaces around it';
  if (Array.isArray(value)) return 'an array holding something other than a non-empty string';
  if (value === undefined) return 'undefined';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function canonical(ids: readonly string[]): string[] {
  return ids.length < 2 ? [...ids] : [...new Set(ids)].sort();
}
