/** Amazon's profile answer, in each shape and scope, turned into a Passport profile (docs/design.md, Profile). */
import { normalizeProfile } from '../../../lib/amazon/profile';

const norm = (json: Record<string, unknown>) => normalizeProfile(json, JSON.stringify(json));

describe('normalizeProfile', () => {
  test('scope profile: id, name, e-mail', () => {
    const json = { user_id: 'amzn1.account.K2LI23KL2LK2', name: 'Mork Hashimoto', email: 'mhashimoto-04@plaxo.com' };
    expect(norm(json)).toEqual({
      provider: 'amazon',
      id: 'amzn1.account.K2LI23KL2LK2',
      displayName: 'Mork Hashimoto',
      emails: [{ value: 'mhashimoto-04@plaxo.com' }],
      _raw: JSON.stringify(json),
      _json: json,
    });
  });

  test('scope profile:user_id: only the id, other fields absent (not undefined)', () => {
    const p = norm({ user_id: 'amzn1.account.A' })!;
    expect(Object.keys(p).sort()).toEqual(['_json', '_raw', 'id', 'provider']);
  });

  test('scope postal_code', () => {
    expect(norm({ user_id: 'amzn1.account.A', postal_code: '98052' })).toMatchObject({
      id: 'amzn1.account.A',
      postalCode: '98052',
    });
  });

  test('the older Profile shape', () => {
    const p = norm({
      Profile: { CustomerId: 'amzn1.account.B', Name: 'Ann', PrimaryEmail: 'ann@example.com', PostalCode: '10001' },
    });
    expect(p).toMatchObject({
      id: 'amzn1.account.B',
      displayName: 'Ann',
      emails: [{ value: 'ann@example.com' }],
      postalCode: '10001',
    });
  });

  test('no customer id: undefined', () => {
    expect(norm({ name: 'x' })).toBeUndefined();
    expect(norm({ user_id: '' })).toBeUndefined();
    expect(norm({ user_id: 42 })).toBeUndefined();
    expect(norm({ Profile: { Name: 'x' } })).toBeUndefined();
  });

  test('wrong-typed and empty fields are left out', () => {
    const p = norm({ user_id: 'amzn1.account.A', name: ['x'], email: '', postal_code: 98052 })!;
    expect(p).not.toHaveProperty('displayName');
    expect(p).not.toHaveProperty('emails');
    expect(p).not.toHaveProperty('postalCode');
  });

  test('a __proto__ key in the answer does not reach the prototype', () => {
    const json = JSON.parse('{"user_id":"amzn1.account.A","__proto__":{"name":"evil"}}') as Record<string, unknown>;
    const p = normalizeProfile(json, '')!;
    expect(p).not.toHaveProperty('displayName');
    expect(({} as Record<string, unknown>).name).toBeUndefined();
  });
});
