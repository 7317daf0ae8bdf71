/** `deprecate` (lib/checks.ts): one `DeprecationWarning` per process per code, with the code (docs/development.md, Versioning). */
import { deprecate } from '../../lib/checks';

test('a deprecated name warns once per process, as a DeprecationWarning with its code', () => {
  const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  try {
    for (let i = 0; i < 3; i++) deprecate('PASSPORT_LWA_TOKEN_DEP_OLD', '`old` is deprecated: write `new`');
    deprecate('PASSPORT_LWA_TOKEN_DEP_OTHER', '`other` is deprecated: write `another`');
    deprecate('PASSPORT_LWA_TOKEN_DEP_OLD', 'again');
    expect(warn.mock.calls).toEqual([
      [
        'passport-lwa-token: `old` is deprecated: write `new`',
        { code: 'PASSPORT_LWA_TOKEN_DEP_OLD', type: 'DeprecationWarning' },
      ],
      [
        'passport-lwa-token: `other` is deprecated: write `another`',
        { code: 'PASSPORT_LWA_TOKEN_DEP_OTHER', type: 'DeprecationWarning' },
      ],
    ]);
  } finally {
    warn.mockRestore();
  }
});
