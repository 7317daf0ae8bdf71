/**
 * Type test, compiled and never run: what a consumer writes against the package's public types.
 * `npm run typecheck` compiles it against lib/; test/package/typescript-versions.mjs compiles it
 * against the built declarations (dist/), its imports renamed to `passport-lwa-token`,
 * `passport-lwa-token/testing` and `passport-lwa-token/nestjs`, with each TypeScript version the
 * package supports (5.9, 6 and 7), as an ES module and as CommonJS.
 */
import express from 'express';
import passport from 'passport';
import {
  LwaError,
  LwaUnavailableError,
  LwaVerifier,
  Strategy,
  type AmazonProfile,
  type StrategyOptions,
  type TokenInfo,
  type Verification,
  type VerifyFunction,
} from '../../lib';
import { AmazonTokenGuard, AmazonTokenStrategy } from '../../lib/adapters/nestjs';
import { LwaEmulator } from '../../lib/testing';

interface User {
  id: string;
  name?: string | undefined;
}

const clientID = 'amzn1.application-oa2-client.types';

export async function consumer(): Promise<void> {
  const emu = await LwaEmulator.start();
  const options: StrategyOptions = {
    clientID: [clientID],
    tokenInfoURL: emu.tokenInfoURL,
    profileURL: emu.profileURL,
    cache: { max: 1000, ttl: 60_000 },
    circuitBreaker: { threshold: 5, cooldown: 10_000 },
  };
  const verify: VerifyFunction<User> = async (_accessToken, profile: AmazonProfile) => ({
    id: profile.id,
    name: profile.displayName,
  });
  const strategy = new Strategy<User>(options, verify);
  passport.use(strategy);

  const app = express();
  app.get('/api/me', passport.authenticate('amazon-token', { session: false }), (req, res) => {
    const tokenInfo: TokenInfo | undefined = req.authInfo?.tokenInfo;
    res.json({ user: req.user, expiresIn: tokenInfo?.expiresIn });
  });

  // The core without Passport: a discriminated union to narrow on `ok`.
  const verifier = new LwaVerifier({ clientID, tokenInfoURL: emu.tokenInfoURL, profileURL: emu.profileURL });
  try {
    const result: Verification = await verifier.verify(emu.mintToken({ clientID }));
    if (result.ok) {
      const id: string = result.profile.id;
      const seconds: number = result.tokenInfo.expiresIn;
      console.log(id, seconds);
    } else {
      const status: 400 | 401 | 403 = result.status;
      const challenge: string = result.challenge;
      console.log(status, challenge);
    }
    // A Fetch API request (Hono, Bun, Deno, workers): the verifier's request type says so.
    const fetchVerifier = new LwaVerifier<Request>({ clientID, tokenInfoURL: emu.tokenInfoURL });
    const fromFetch = await fetchVerifier.verifyRequest(new Request('http://localhost/'));
    console.log(fromFetch.ok ? fromFetch.origin : fromFetch.reason);
    await fetchVerifier.close();
  } catch (err) {
    if (err instanceof LwaUnavailableError) console.log(err.status, err.code, err.retryAfterSeconds);
    else if (err instanceof LwaError) console.log(err.status, err.code);
    else throw err;
  } finally {
    await verifier.close();
    await strategy.close();
    await emu.close();
  }
}

/** The NestJS entry: the strategy to extend and the guard (decorators left out: no tsconfig flag). */
export class AmazonStrategy extends AmazonTokenStrategy<User> {
  constructor() {
    super({ clientID });
  }

  override validate(_accessToken: string, profile: AmazonProfile): User {
    return { id: profile.id };
  }
}
export const guard: typeof AmazonTokenGuard = AmazonTokenGuard;
