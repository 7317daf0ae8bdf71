/**
 * Minimal example: an API that accepts a Login with Amazon token on GET /api/me.
 *
 *   npm run example                         # against the built-in emulator: no Amazon account, no network
 *   AMAZON_CLIENT_ID=amzn1.application-oa2-client.… npm run example   # against Amazon
 */
import express from 'express';
import passport from 'passport';
import { Strategy, type AmazonProfile } from '../lib';
import { LwaEmulator } from '../lib/testing';

const DEMO_CLIENT_ID = 'amzn1.application-oa2-client.example';

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 3000);
  const real = process.env.AMAZON_CLIENT_ID;
  const emulator = real ? undefined : await LwaEmulator.start();

  passport.use(
    new Strategy(
      emulator
        ? { clientID: DEMO_CLIENT_ID, tokenInfoURL: emulator.tokenInfoURL, profileURL: emulator.profileURL }
        : { clientID: real!, region: (process.env.AMAZON_REGION as 'NA' | 'EU' | 'FE' | undefined) ?? 'NA' },
      // A real app would find or create the local account linked to profile.id here.
      async (_accessToken: string, profile: AmazonProfile) => ({ amazonId: profile.id, name: profile.displayName }),
    ),
  );

  const app = express();
  app.use(express.json());
  app.get('/api/me', passport.authenticate('amazon-token', { session: false }), (req, res) => {
    res.json({ user: req.user, authInfo: req.authInfo });
  });

  const server = app.listen(port, '127.0.0.1', () => {
    const url = `http://127.0.0.1:${port}`;
    console.log(`Example API on ${url}`);
    if (emulator) {
      const token = emulator.mintToken({ clientId: DEMO_CLIENT_ID, name: 'Mork Hashimoto', email: 'mork@example.com' });
      console.log(`Login with Amazon emulator on ${emulator.url} (no Amazon account, no network)`);
      console.log('Try it with a token the emulator just minted:');
      console.log(`  curl -s -H 'Authorization: Bearer ${token}' ${url}/api/me`);
    }
  });
  const stop = () => {
    server.close();
    void emulator?.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
