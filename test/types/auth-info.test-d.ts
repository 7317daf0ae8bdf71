/**
 * Type test, compiled and never run: in an Express app `req.authInfo.tokenInfo` is typed without a
 * cast, through the package's augmentation of Passport's `Express.AuthInfo` (docs/design.md,
 * Outcomes: `req.authInfo` on success). `npm run typecheck` compiles it against lib/;
 * `npm run check:docs` compiles it again against the built package, as an ES module and as CommonJS.
 */
import express from 'express';
import passport from 'passport';
import { Strategy, type AmazonAuthInfo, type TokenInfo } from '../../lib';

passport.use(
  new Strategy({ clientID: 'amzn1.application-oa2-client.test' }, async (_accessToken, profile) => ({
    id: profile.id,
  })),
);

const app = express();
app.get('/api/me', passport.authenticate('amazon-token', { session: false }), (req, res) => {
  const tokenInfo: TokenInfo | undefined = req.authInfo?.tokenInfo;
  const secondsLeft: number | undefined = req.authInfo?.tokenInfo?.expiresIn;
  // @ts-expect-error optional: another strategy of the app may have set req.authInfo
  const always: TokenInfo = req.authInfo!.tokenInfo;
  // @ts-expect-error typed, not `any`: expiresIn is a number
  const wrong: string | undefined = req.authInfo?.tokenInfo?.expiresIn;
  res.json({ tokenInfo, secondsLeft, always, wrong });
});

/** `AmazonAuthInfo`, the whole object after this strategy, is still exported and fits `Express.AuthInfo`. */
export function asExpressAuthInfo(info: AmazonAuthInfo): Express.AuthInfo {
  return info;
}
