/** Verdicts, for the cache's unit tests. */
import type { Verdict } from '../../lib/amazon/amazon-verifier';

/** A fresh verdict for one customer of client `c`, good for an hour from now. */
export function verifiedVerdict(): Verdict {
  return {
    ok: true,
    verified: {
      tokenInfo: {
        aud: 'c',
        appID: undefined,
        userID: 'amzn1.account.X',
        expiresAt: Date.now() + 3_600_000,
        issuedAt: undefined,
      },
      profile: {
        provider: 'amazon',
        id: 'amzn1.account.X',
        _raw: '{"user_id":"amzn1.account.X"}',
        _json: { user_id: 'amzn1.account.X' },
      },
    },
  };
}
