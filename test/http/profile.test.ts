/**
 * The profile `verify` receives, for each scope and Amazon's older answer shape, over HTTP from the
 * emulator (docs/design.md, Profile). Normalization on its own: test/unit/profile.test.ts.
 */
import type { AmazonProfile } from '../../lib';
import { useEmulator, getMe } from '../support/fixture';

const lwa = useEmulator();

describe('profile, for each scope', () => {
  const profileOf = async (token: string) => {
    let seen: AmazonProfile | undefined;
    const { app } = lwa.app({}, async (_t, profile) => {
      seen = profile;
      return { id: profile.id };
    });
    expect((await getMe(app, token)).status).toBe(200);
    return seen!;
  };

  test('profile: id, name, e-mail', async () => {
    const p = await profileOf(
      lwa.mint({
        scopes: ['profile'],
        name: 'Mork Hashimoto',
        email: 'mork@example.com',
        userID: 'amzn1.account.K2LI23KL2LK2',
      }),
    );
    expect(p).toMatchObject({
      provider: 'amazon',
      id: 'amzn1.account.K2LI23KL2LK2',
      displayName: 'Mork Hashimoto',
      emails: [{ value: 'mork@example.com' }],
    });
    expect(p).not.toHaveProperty('postalCode');
    expect(JSON.parse(p._raw)).toEqual(p._json);
  });

  test('profile:user_id: only the id', async () => {
    const p = await profileOf(lwa.mint({ scopes: ['profile:user_id'] }));
    expect(Object.keys(p).sort()).toEqual(['_json', '_raw', 'id', 'provider']);
  });

  test('profile + postal_code', async () => {
    const p = await profileOf(lwa.mint({ scopes: ['profile', 'postal_code'], postalCode: '98052' }));
    expect(p).toMatchObject({ postalCode: '98052', displayName: expect.any(String) });
  });

  test('the older Profile: { CustomerId, … } shape', async () => {
    const p = await profileOf(
      lwa.mint({ legacyProfileShape: true, name: 'Ann', email: 'ann@example.com', userID: 'amzn1.account.LEGACY' }),
    );
    expect(p).toMatchObject({ id: 'amzn1.account.LEGACY', displayName: 'Ann', emails: [{ value: 'ann@example.com' }] });
  });
});
