/**
 * Amazon's answers of any shape (docs/design.md, Outcomes), as a property: tokeninfo and the profile
 * answer any status, content type, JSON or bytes, from a loopback server of the test's own. A
 * verification succeeds exactly when tokeninfo is a well-typed 200 whose `aud` is ours and the
 * profile's `user_id` is tokeninfo's (or the route needs tokeninfo alone); a refusal comes only
 * from an Amazon-shaped answer; everything else is an `LwaError` of the 5xx class, never another
 * error (an app's 500).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { LwaError, LwaVerifier } from '../../lib';
import { CLIENT_ID } from '../support/fixture';
import { formedToken, runs } from './settings';

const USER = 'amzn1.account.PROPERTY';
interface Answer {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: Uint8Array;
  /** What the body says as JSON, when it is JSON (the oracle's own reading). */
  readonly json?: unknown;
}

// Mostly Amazon's good answer, each part of it wrong now and then: a broken check shows in a few cases.
const often = <T>(good: T, ...bad: unknown[]) =>
  fc.oneof({ weight: 6 * bad.length, arbitrary: fc.constant<unknown>(good) }, fc.constantFrom(...bad));
/** The good value, most often another of the right type (what the check is for), or the wrong type. */
const id = (good: string, other: string) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constant<unknown>(good) },
    { weight: 3, arbitrary: fc.constant(other) },
    fc.constantFrom('', 0, null, [good], undefined),
  );
const status = often(200, 400, 401, 403, 404, 429, 500, 503) as fc.Arbitrary<number>;
const contentType = often(
  'application/json',
  'application/json;charset=UTF-8',
  'text/html',
  'text/plain',
  'application/json; charset=latin1',
  undefined,
) as fc.Arbitrary<string | undefined>;
const text = (json: unknown) => new TextEncoder().encode(JSON.stringify(json));
/** Absent mostly, sometimes there. */
const maybe = (value: fc.Arbitrary<unknown>) => fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, value);
const extra = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
/** A JSON object of `fields`, an absent one left out, with a few keys of no meaning beside. */
const shapedJson = (fields: Record<string, fc.Arbitrary<unknown>>) =>
  fc.tuple(extra, fc.record(fields)).map(([more, own]) => {
    const json: Record<string, unknown> = { ...more };
    for (const [key, value] of Object.entries(own)) if (value !== undefined) json[key] = value;
    return json;
  });
const tokenInfoJson = shapedJson({
  aud: id(CLIENT_ID, 'amzn1.application-oa2-client.other'),
  user_id: id(USER, 'amzn1.account.OTHER'),
  exp: often(3600, 0, -1, 1.7e9, '3600', Infinity, undefined),
  iat: maybe(fc.constantFrom(1_700_000_000, 'now', null)),
  app_id: maybe(fc.constantFrom('amzn1.application.x', 5, null)),
  error: maybe(fc.constantFrom('invalid_token', 'insufficient_scope', 42, '')),
});
const profileJson = shapedJson({
  user_id: id(USER, 'amzn1.account.OTHER'),
  name: maybe(fc.constantFrom('Ann', 7)),
  email: maybe(fc.constantFrom('ann@example.com', '')),
  postal_code: maybe(fc.constantFrom('98101', null)),
  error: maybe(fc.constantFrom('invalid_token', 'insufficient_scope')),
});
/** Any body: the shape Amazon sends, any JSON at all, or bytes (invalid UTF-8 included). */
const answer = (shaped: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Answer> =>
  fc
    .record({
      status,
      contentType,
      body: fc.oneof(
        { weight: 8, arbitrary: shaped.map((json) => ({ json, bytes: text(json) })) },
        { weight: 1, arbitrary: fc.jsonValue().map((json) => ({ json, bytes: text(json) })) },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ json: undefined, bytes })) },
      ),
    })
    .map(({ status: s, contentType: c, body }) => ({ status: s, contentType: c, body: body.bytes, json: body.json }));

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const jsonType = (a: Answer) =>
  a.contentType !== undefined && /^application\/json(;\s*charset=utf-8)?$/i.test(a.contentType);
/** A 200 JSON object without `error`, read by the oracle. */
const fine = (a: Answer): Record<string, unknown> | undefined =>
  a.status === 200 && jsonType(a) && isObject(a.json) && !('error' in a.json) ? a.json : undefined;

/** The oracle: does the documentation say this pair of answers is a success? */
function succeeds(tokeninfo: Answer, profile: Answer, profileFree: boolean): boolean {
  const t = fine(tokeninfo);
  if (!t || t.aud !== CLIENT_ID || typeof t.user_id !== 'string' || t.user_id === '') return false;
  if (typeof t.exp !== 'number' || !(t.exp > 0 && t.exp <= 365 * 24 * 3600)) return false;
  if (!(t.iat === undefined || t.iat === null || typeof t.iat === 'number')) return false;
  if (!(t.app_id === undefined || t.app_id === null || typeof t.app_id === 'string')) return false;
  if (profileFree) return true;
  const p = fine(profile);
  return p !== undefined && p.user_id === t.user_id;
}
/** An answer a refusal may come from: Amazon's own shape (a JSON 400, 401 or 403, whatever its body, or a 200 JSON object). */
const refusable = (a: Answer) =>
  jsonType(a) && ([400, 401, 403].includes(a.status) || (a.status === 200 && isObject(a.json)));

let server: Server;
let current: { tokeninfo: Answer; profile: Answer };
let verifier: LwaVerifier;
beforeAll(async () => {
  server = createServer((req, res) => {
    const a = req.url?.startsWith('/tokeninfo') ? current.tokeninfo : current.profile;
    res.writeHead(a.status, a.contentType === undefined ? {} : { 'content-type': a.contentType });
    res.end(a.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  verifier = new LwaVerifier({
    clientID: CLIENT_ID,
    tokenInfoURL: `${base}/tokeninfo`,
    profileURL: `${base}/profile`,
    timeout: 2000,
    cache: false,
    // Each case stands alone: no circuit opened by the cases before it.
    circuitBreaker: false,
  });
});
afterAll(async () => {
  await verifier.close();
  await new Promise((resolve) => server.close(resolve));
});

test('any answers: a success only when aud and user_id match, a refusal only from an Amazon-shaped answer, else a 5xx-class LwaError', async () => {
  await fc.assert(
    fc.asyncProperty(
      answer(tokenInfoJson),
      answer(profileJson),
      fc.boolean(),
      formedToken,
      async (tokeninfo, profile, profileFree, token) => {
        current = { tokeninfo, profile };
        const outcome = await verifier.verify(token, profileFree ? { scope: 'profile:user_id' } : {}).then(
          (v) => v,
          (error: unknown) => error,
        );
        if (outcome instanceof LwaError) {
          expect([502, 503, 504]).toContain(outcome.status);
          expect(succeeds(tokeninfo, profile, profileFree)).toBe(false);
          return;
        }
        expect(outcome).toHaveProperty('ok');
        const result = outcome as Awaited<ReturnType<LwaVerifier['verify']>>;
        expect(result.ok).toBe(succeeds(tokeninfo, profile, profileFree));
        if (result.ok) {
          const { user_id: userID } = tokeninfo.json as { user_id: string };
          expect(result.tokenInfo).toMatchObject({ clientID: CLIENT_ID, userID });
          expect(result.profile.id).toBe(userID);
        } else {
          expect([400, 401, 403]).toContain(result.status);
          expect(refusable(tokeninfo) || (!profileFree && refusable(profile))).toBe(true);
        }
      },
    ),
    runs(150),
  );
});
