/**
 * Type test, compiled and never run: a route's `optional` and `scope` written inline in Passport's
 * options, through the package's augmentation of `AuthenticateOptions` (docs/frameworks.md): with
 * Express (`passport.authenticate`), as NestJS guard options (`getAuthenticateOptions()`) and in
 * `@fastify/passport`'s own `authenticate()`.
 * `npm run typecheck` compiles it against lib/; `npm run check:docs` against the build (ES module
 * and CommonJS); test/package/typescript-versions.mjs with TypeScript 5.9, 6 and 7.
 */
import express from 'express';
import passport from 'passport';
import { Authenticator } from '@fastify/passport';
import type { AuthGuardAuthenticateOptions } from '@nestjs/passport';
import { Strategy } from '../../lib';
import { amazonTokenCallback } from '../../lib/adapters/fastify';
import { AmazonTokenGuard } from '../../lib/adapters/nestjs';

passport.use(new Strategy({ clientID: 'amzn1.application-oa2-client.types' }, async (_token, profile) => profile.id));

const app = express();
app.get(
  '/api/feed',
  passport.authenticate('amazon-token', { session: false, optional: true, scope: ['profile', 'postal_code'] }),
  (req, res) => {
    res.json({ user: req.user ?? null });
  },
);
app.get('/api/shipping', passport.authenticate('amazon-token', { session: false, scope: 'postal_code' }));

// @ts-expect-error `optional` is a boolean
passport.authenticate('amazon-token', { session: false, optional: 'yes' });

/** NestJS: a guard's options, the same type as `passport.authenticate`'s plus Nest's own. */
export class OptionalAmazonGuard extends AmazonTokenGuard {
  override getAuthenticateOptions(): AuthGuardAuthenticateOptions {
    return { session: false, optional: true, scope: 'profile' };
  }
}

export const wrongInNest: AuthGuardAuthenticateOptions = {
  // @ts-expect-error `optional` is a boolean there too
  optional: 1,
};

const fastifyPassport = new Authenticator();
export const feed = fastifyPassport.authenticate(
  'amazon-token',
  { session: false, optional: true, scope: 'profile' },
  amazonTokenCallback,
);
// @ts-expect-error `optional` is a boolean under @fastify/passport too
fastifyPassport.authenticate('amazon-token', { session: false, optional: 'yes' }, amazonTokenCallback);
