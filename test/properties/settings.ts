/**
 * The property tests' settings, one place for all of them: a fixed seed and a modest number of
 * cases in CI, so a run is repeatable and a failure replays; `FUZZ=100` (`npm run fuzz`) multiplies
 * the cases, and `FC_SEED=<n>` picks another seed (fast-check prints the one that failed).
 */
import fc from 'fast-check';
import type { Verification } from '../../lib';

const factor = Math.max(1, Math.floor(Number(process.env.FUZZ ?? 1)) || 1);
const seed = process.env.FC_SEED === undefined ? 20261203 : Number(process.env.FC_SEED);

/** `numRuns` cases (times `FUZZ`), from the recorded seed. */
export function runs(numRuns: number): { numRuns: number; seed: number } {
  return { numRuns: numRuns * factor, seed };
}

/** The oracle for what may go to Amazon, written apart from lib/request/token-format.ts. */
export const wellFormed = (value: unknown): value is string =>
  typeof value === 'string' && value.length >= 350 && value.length <= 2048 && /^Atza\|[\x21-\x7e]*$/.test(value);

/** Printable ASCII but the comma (Fetch joins a repeated header with ", "; no real token holds one). */
export const tokenChar = fc
  .integer({ min: 0x21, max: 0x7e })
  .filter((c) => c !== 0x2c)
  .map((c) => String.fromCharCode(c));

/** A token of the right form (Amazon would not know it). */
export const formedToken = fc.string({ unit: tokenChar, minLength: 345, maxLength: 700 }).map((s) => `Atza|${s}`);

/** Tokens refused before any call: empty, short, long, refresh tokens, other prefixes, spaces inside. */
export const junkToken = fc.oneof(
  fc.constant(''),
  fc.string({ unit: tokenChar, minLength: 1, maxLength: 40 }),
  fc.string({ unit: tokenChar, maxLength: 40 }).map((s) => `Atza|${s}`),
  fc.string({ unit: tokenChar, minLength: 400, maxLength: 450 }).map((s) => `Atzr|${s}`),
  fc.string({ unit: tokenChar, minLength: 400, maxLength: 450 }).map((s) => `atza|${s}`),
  fc.integer({ min: 2044, max: 5000 }).map((n) => `Atza|${'x'.repeat(n)}`),
  fc.tuple(formedToken, fc.constantFrom(' ', '\t')).map(([t, ws]) => `${t.slice(0, 200)}${ws}${t.slice(200)}`),
);

/** A query value as a client may encode it: plainly, every byte percent-encoded (either case), spaces as `+`. */
export const encoded = (value: string, style: 'plain' | 'percent' | 'PERCENT' | 'plus'): string => {
  if (style === 'plain') return encodeURIComponent(value);
  if (style === 'plus') return encodeURIComponent(value).replace(/%20/g, '+');
  const hex = [...Buffer.from(value, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  return style === 'PERCENT' ? hex.toUpperCase() : hex;
};
export const encodingStyle = fc.constantFrom('plain' as const, 'percent' as const, 'PERCENT' as const, 'plus' as const);
/** The field's name as a client may encode it (`access%5Ftoken` is `access_token` once decoded). */
export const fieldName = fc.constantFrom('access_token', 'access%5Ftoken', 'access%5ftoken', '%61ccess_token');

/** Where a token may be presented. */
type Place = 'authorization' | 'x-amz-access-token' | 'query' | 'body';
/** One token presented, and where: what the extraction oracle counts. */
export interface Occurrence {
  readonly place: Place;
  readonly value: unknown;
}
/** A placeholder in generated requests for the emulator's valid token (minted once the emulator runs). */
export const VALID = '<the valid token>';
/** A value presented where a token goes: the valid one, a well-formed unknown one, or junk. */
export const candidate = fc.oneof(fc.constant(VALID), formedToken, junkToken);
/** A header's name as a client may write it: lower, upper or capitalized. */
export const nameCase = (name: string) =>
  fc.constantFrom(name, name.toUpperCase(), name[0].toUpperCase() + name.slice(1));

/**
 * The documented answer to what was presented (docs/design.md, Outcomes): no token 401, two 400, a
 * list 400, not a string 400, the wrong form 400/401 without a call, else Amazon's verdict; and
 * tokeninfo asked (`tokeninfoCalls`) only about exactly one token of the right form.
 */
export function expectDocumented(
  result: Verification,
  presented: Occurrence[],
  valid: string,
  tokeninfoCalls: number,
): void {
  const [one] = presented;
  const reasons =
    presented.length === 0
      ? ['no_token']
      : presented.length > 1 || Array.isArray(one.value)
        ? ['multiple_tokens']
        : typeof one.value !== 'string'
          ? ['malformed_request']
          : !wellFormed(one.value)
            ? ['malformed_request', 'malformed_token', 'refresh_token']
            : one.value === valid
              ? []
              : ['token_rejected'];
  if (reasons.length === 0) expect(result).toMatchObject({ ok: true, origin: one.place });
  else expect(reasons).toContain(result.ok ? 'a success' : result.reason);
  expect(tokeninfoCalls).toBe(presented.length === 1 && wellFormed(one.value) ? 1 : 0);
}
