/**
 * Alexa envelopes of any shape (lib/request/alexa.ts), as a property: whatever the body (any JSON,
 * the token's paths half built, broken by an array, `null` or a string on the way, inherited, not a
 * string at the end), `alexaAccessToken` never throws and returns exactly the distinct strings found
 * at the five documented paths: one as a string, several as a list, none as `undefined`.
 */
import fc from 'fast-check';
import { alexaAccessToken } from '../../lib';
import { runs } from './settings';

const PATHS = [
  ['context', 'System', 'user', 'accessToken'],
  ['session', 'user', 'accessToken'],
  ['directive', 'endpoint', 'scope', 'token'],
  ['directive', 'payload', 'scope', 'token'],
  ['directive', 'payload', 'grantee', 'token'],
] as const;

/** The oracle, written apart from the library: a JSON copy (own data only) read with optional chaining. */
function oracle(req: unknown): Set<string> {
  const body: unknown = typeof req === 'object' && req !== null ? (req as { body?: unknown }).body : undefined;
  if (body === undefined) return new Set();
  const copy = JSON.parse(JSON.stringify(body) ?? 'null') as Record<string, unknown> | null;
  const found = new Set<string>();
  for (const path of PATHS) {
    let v: unknown = copy;
    for (const key of path) v = Array.isArray(v) ? undefined : (v as Record<string, unknown> | null | undefined)?.[key];
    if (typeof v === 'string') found.add(v);
  }
  return found;
}

const token = fc.constantFrom('Atza|one', 'Atza|two', 'Atza|three', '', ' ');
const leaf = fc.oneof(token, fc.constantFrom(0, null, true, [], {}, ['Atza|in-a-list'], { token: 'Atza|nested' }));
/** What may stand in the way of a path: the JSON values that are not an object to walk into. */
const breaker = fc.constantFrom<unknown>(null, 'a string', 7, [], [{ user: { accessToken: 'Atza|in-array' } }]);
const placement = fc.record({
  path: fc.constantFrom(...PATHS),
  leaf,
  // Where along the path something else stands instead (past the end: nothing does).
  breakAt: fc.integer({ min: 0, max: 6 }),
  breaker,
  // The last object is inherited rather than own: a parser never makes that, a test double might.
  inherited: fc.boolean(),
});

/** `body` with `leaf` placed along `path`, objects made where missing. */
function place(body: Record<string, unknown>, p: typeof placement extends fc.Arbitrary<infer T> ? T : never): void {
  let at: Record<string, unknown> = body;
  p.path.forEach((key, i) => {
    if (i === p.breakAt) {
      at[key] = p.breaker;
      return;
    }
    if (i === p.path.length - 1) {
      if (p.inherited) Object.setPrototypeOf(at, { [key]: p.leaf });
      else at[key] = p.leaf;
      return;
    }
    const next = at[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) at[key] = {};
    at = at[key] as Record<string, unknown>;
  });
}

const envelope = fc
  .record({
    base: fc.dictionary(fc.constantFrom('version', 'context', 'session', 'directive', 'request', 'x'), fc.jsonValue(), {
      maxKeys: 4,
    }),
    placements: fc.array(placement, { maxLength: 6 }),
    proto: fc.boolean(),
  })
  .map(({ base, placements, proto }) => {
    const body: Record<string, unknown> = { ...base };
    // An own `__proto__` key, as JSON.parse makes one: a path through it is not the envelope's.
    if (proto)
      Object.defineProperty(body, '__proto__', {
        value: { context: { System: { user: { accessToken: 'Atza|proto' } } } },
        enumerable: true,
      });
    // breakAt past the end means the placement stands; a placement made later may break an earlier one.
    for (const p of placements) if (p.breakAt >= p.path.length || p.breakAt % 2 === 0) place(body, p);
    return body;
  });
const request = fc.oneof(
  { weight: 6, arbitrary: envelope.map((body) => ({ body })) },
  { weight: 1, arbitrary: fc.anything().map((body) => ({ body })) },
  { weight: 1, arbitrary: fc.anything() },
);

test('any envelope: the distinct strings at the documented paths (one, a list, or none), never a throw', () => {
  fc.assert(
    fc.property(request, (req) => {
      const want = oracle(req);
      const got = alexaAccessToken(req);
      if (want.size === 0) expect(got).toBeUndefined();
      else if (want.size === 1) expect(got).toBe([...want][0]);
      else expect(new Set(got)).toEqual(want);
      expect(Array.isArray(got) ? got.length : 1).toBe(Math.max(want.size, 1));
    }),
    runs(1000),
  );
});
