/**
 * Scope needs (lib/scope.ts): what a `scope` value asks of Amazon, the challenge's `scope`
 * attribute, and which profiles show which scopes (inferred: Amazon does not list them).
 * Over HTTP, through the strategy and the verifier: test/http/scope.test.ts.
 */
import type { AmazonProfile } from '../../lib';
import { grants, resolveScope } from '../../lib/scope';

const profile = (fields: Partial<AmazonProfile> = {}): AmazonProfile => ({
  provider: 'amazon',
  id: 'amzn1.account.X',
  _raw: '{}',
  _json: {},
  ...fields,
});

test('undefined: nothing required', () => {
  expect(resolveScope('scope', undefined)).toBeUndefined();
});

test.each([
  ['profile:user_id', 'id', 'profile:user_id'],
  [['profile:user_id', 'profile:user_id'], 'id', 'profile:user_id'],
  ['profile', 'profile', 'profile'],
  [['postal_code', 'profile'], 'profile', 'profile postal_code'],
  [['postal_code', 'profile:user_id'], 'profile', 'profile:user_id postal_code'],
] as const)('%j: need %s, attribute %j', (value, need, attribute) => {
  expect(resolveScope('scope', value)).toMatchObject({ need, attribute });
});

test('the same scopes, in any order, resolve to one frozen object', () => {
  const a = resolveScope('scope', ['profile', 'postal_code']);
  expect(resolveScope('scope', ['postal_code', 'profile'])).toBe(a);
  expect(Object.isFrozen(a)).toBe(true);
});

test.each([['email'], [[]], [['profile', 'PROFILE']], [null], [{}]])('%j: a TypeError naming the option', (value) => {
  expect(() => resolveScope('scope', value)).toThrow(/option `scope` must be one of/);
});

test('profile: a name and an e-mail; postal_code: a postal code; profile:user_id: always', () => {
  const need = (value: Parameters<typeof resolveScope>[1]) => resolveScope('scope', value)!;
  const named = profile({ displayName: 'Ann', emails: [{ value: 'ann@example.com' }] });
  expect(grants(named, need('profile'))).toBe(true);
  expect(grants(profile({ displayName: 'Ann' }), need('profile'))).toBe(false);
  expect(grants(profile({ emails: [{ value: 'a@example.com' }] }), need('profile'))).toBe(false);
  expect(grants(profile({ postalCode: '98052' }), need('postal_code'))).toBe(true);
  expect(grants(named, need('postal_code'))).toBe(false);
  expect(grants(profile(), need('profile:user_id'))).toBe(true);
  expect(grants(named, need(['profile', 'postal_code']))).toBe(false);
});
