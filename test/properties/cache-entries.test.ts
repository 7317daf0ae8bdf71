/**
 * Cache entries read back from a store (lib/cache/entry.ts; docs/caching-and-scale.md), as
 * properties: whatever value a store gives back, decoding it is a miss or a verdict that holds
 * together, and a verifier reading a store whose entries were damaged answers each token exactly as
 * Amazon does, for its own tenant: never a crash, never another token's or another tenant's success.
 */
import fc from 'fast-check';
import type { CacheStore, LwaVerifier } from '../../lib';
import { decodeEntry, encodeEntry, type CacheEntry } from '../../lib/cache/entry';
import { CLIENT_ID, OTHER_CLIENT_ID, useEmulator } from '../support/fixture';
import { formedToken, runs } from './settings';

const lwa = useEmulator();
const NOW = 1_800_000_000_000;

/** A store of any values: what `set` wrote as JSON, or whatever a test put there (a throwing object). */
class AnyStore implements CacheStore {
  readonly values = new Map<string, unknown>();
  async get(key: string): Promise<unknown> {
    return this.values.get(key);
  }
  async set(key: string, value: CacheEntry): Promise<void> {
    this.values.set(key, JSON.parse(JSON.stringify(value)));
  }
  async delete(key: string): Promise<void> {
    this.values.delete(key);
  }
}

const hostile = new Proxy(
  {},
  {
    // Symbols answer (fast-check and Node's inspect look them up to print a value); any field throws.
    get(_target, key) {
      if (typeof key === 'symbol') return undefined;
      throw new Error('a store value that throws when read');
    },
  },
);
/** Right-typed but wrong: another customer, another profile, another reason, times past and far. */
const plausible = fc.constantFrom<unknown>(
  'amzn1.account.TWO',
  '{"user_id":"amzn1.account.TWO","name":"Two"}',
  '{"user_id":""}',
  'audience_mismatch',
  'no_token',
  'verified',
  'refused',
  OTHER_CLIENT_ID,
  true,
  1,
  NOW - 1,
  NOW + 10 * 3_600_000,
);
/** A value in place of an entry, or in place of one of its fields. */
const junk = fc.oneof(
  { weight: 2, arbitrary: plausible },
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom<unknown>(hostile, Infinity, NaN, -1, 1e300),
);
const FIELDS = ['v', 'until', 'staleUntil', 'verdict', 'reason', 'profileRaw', 'profileFree', 'tokenInfo'];
const TOKEN_INFO_FIELDS = ['aud', 'userID', 'expiresAt', 'issuedAt', 'appID'];
/** One field of an entry (or of its tokenInfo) replaced, or removed. */
const change = fc.tuple(fc.constantFrom(...FIELDS, ...TOKEN_INFO_FIELDS), fc.option(junk));
function changed(entry: unknown, [field, value]: [string, unknown]): unknown {
  const e = entry as { tokenInfo?: object };
  if (!FIELDS.includes(field)) return { ...e, tokenInfo: { ...e.tokenInfo, [field]: value ?? undefined } };
  return { ...e, [field]: value ?? undefined };
}
/** A written entry, damaged: replaced whole, or one to three of its fields changed. */
const damage = (entry: unknown) =>
  fc.oneof(
    junk,
    fc.array(change, { minLength: 1, maxLength: 3 }).map((cs) => cs.reduce(changed, entry)),
  );

test('decodeEntry: any value is a miss or a verdict that holds together, and decodes to itself once written again', () => {
  const tokenInfo = { aud: CLIENT_ID, userID: 'amzn1.account.ONE', expiresAt: NOW + 3_600_000, issuedAt: NOW - 10 };
  const valid = fc.constantFrom<unknown>(
    {
      v: 1,
      until: NOW + 60_000,
      staleUntil: NOW + 120_000,
      verdict: 'verified',
      tokenInfo,
      profileRaw: '{"user_id":"amzn1.account.ONE"}',
    },
    { v: 1, until: NOW + 60_000, verdict: 'verified', tokenInfo, profileFree: true },
    { v: 1, until: NOW + 10_000, verdict: 'refused', reason: 'token_rejected' },
  );
  const entry = valid.chain((e) => fc.oneof(fc.constant(e), damage(e)));
  fc.assert(
    fc.property(entry, (value) => {
      let decoded;
      try {
        decoded = decodeEntry(value, NOW);
      } catch (error) {
        // Only a value that throws when read may throw (the caller counts it as a miss).
        expect(String(error)).toContain('throws when read');
        return;
      }
      if (decoded === undefined) return;
      expect(decoded.freshUntil).toBeLessThanOrEqual(decoded.staleUntil);
      if (decoded.verdict.ok) {
        const { tokenInfo, profile } = decoded.verdict.verified;
        expect(profile.id).toBe(tokenInfo.userID);
        expect(tokenInfo.expiresAt).toBeGreaterThan(NOW);
        expect(decoded.staleUntil).toBeLessThanOrEqual(tokenInfo.expiresAt);
      } else {
        expect(decoded.freshUntil).toBeGreaterThan(NOW);
      }
      expect(decodeEntry(JSON.parse(JSON.stringify(encodeEntry(decoded))), NOW)).toEqual(decoded);
    }),
    runs(1000),
  );
});

describe('a verifier reading a store whose entries were damaged', () => {
  /** What Amazon said of a token, for one tenant: the customer, or the refusal's reason. */
  type Answer = { ok: true; userID: string } | { ok: false; reason: string };
  const truth = new Map<string, { readonly [tenant: string]: Answer }>();
  let written: ReadonlyMap<string, unknown>;
  const verifiers = (store: CacheStore): Record<string, LwaVerifier> => ({
    [CLIENT_ID]: lwa.verifier({ cache: { store } }),
    [OTHER_CLIENT_ID]: lwa.verifier({ clientID: OTHER_CLIENT_ID, cache: { store } }),
  });

  beforeAll(async () => {
    const store = new AnyStore();
    const writers = verifiers(store);
    const unknown = fc.sample(formedToken, { numRuns: 1, seed: 1 })[0];
    const tokens = [
      lwa.mint({ userID: 'amzn1.account.ONE' }),
      lwa.mint({ userID: 'amzn1.account.TWO' }),
      lwa.mint({ clientID: OTHER_CLIENT_ID, userID: 'amzn1.account.THREE' }),
      unknown,
    ];
    for (const token of tokens) {
      const answers: Record<string, Answer> = {};
      for (const [tenant, verifier] of Object.entries(writers)) {
        const v = await verifier.verify(token);
        answers[tenant] = v.ok ? { ok: true, userID: v.tokenInfo.userID } : { ok: false, reason: v.reason };
      }
      truth.set(token, answers);
    }
    // Store writes are not awaited by a verification: they are done once the writers have closed.
    await Promise.all(Object.values(writers).map((v) => v.close()));
    written = new Map(store.values);
    expect(written.size).toBeGreaterThanOrEqual(tokens.length * 2);
  });

  test('every token gets Amazon’s answer for its own tenant, from the store or from Amazon', async () => {
    const keys = () => [...written.keys()];
    const damaged = fc
      .uniqueArray(fc.constantFrom(...keys()), { maxLength: 4 })
      .chain((picked) =>
        fc.tuple(...picked.map((key) => damage(written.get(key)).map((value) => [key, value] as const))),
      );
    await fc.assert(
      fc.asyncProperty(damaged, async (changes) => {
        const store = new AnyStore();
        for (const [key, value] of written) store.values.set(key, value);
        for (const [key, value] of changes) store.values.set(key, value);
        const readers = verifiers(store);
        lwa.emu.resetCalls();
        for (const [token, answers] of truth) {
          for (const [tenant, verifier] of Object.entries(readers)) {
            const v = await verifier.verify(token);
            const want = answers[tenant];
            expect(v.ok).toBe(want.ok);
            if (v.ok && want.ok) expect(v.tokenInfo.userID).toBe(want.userID);
            if (!v.ok && !want.ok) expect(v.reason).toBe(want.reason);
          }
        }
        // A damaged entry is a miss (one question to Amazon); an intact one is answered from the store.
        // (A value whose `then` throws fails the store's call: the store is then left alone a while.)
        if (!changes.some(([, value]) => value === hostile)) {
          expect(lwa.emu.calls.tokeninfo).toBeLessThanOrEqual(changes.length);
        }
        await Promise.all(Object.values(readers).map((v) => v.close()));
      }),
      runs(40),
    );
  });
});
