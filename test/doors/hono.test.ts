/**
 * docs/doors.md, "Fetch-API servers": `verifier.verifyRequest(c.req.raw)` in a Hono middleware, the
 * app served on Node by @hono/node-server on an ephemeral port. The recipe block below is the
 * document's, verbatim but for the package's import (test/doors/docs-match.test.ts checks).
 */

// recipe: Hono
import { Hono } from 'hono';
import { LwaError, type AmazonProfile, type LwaVerifier } from '../../lib';

/** A Hono app whose `/api` routes need an Amazon customer, there as `c.get('customer')`. */
export function honoApp(verifier: LwaVerifier<Request>): Hono<{ Variables: { customer: AmazonProfile } }> {
  const app = new Hono<{ Variables: { customer: AmazonProfile } }>();
  app.use('/api/*', async (c, next) => {
    const result = await verifier.verifyRequest(c.req.raw);
    if (!result.ok) return c.body(null, result.status, { 'WWW-Authenticate': result.challenge });
    c.set('customer', result.profile);
    return next();
  });
  app.get('/api/me', (c) => c.json({ user: { id: c.get('customer').id, name: c.get('customer').displayName } }));
  app.onError((err, c) => {
    // Amazon unreachable: 502, 503 or 504, no challenge. A 401 would sign the client out.
    if (err instanceof LwaError) return c.json({ error: err.code }, err.status as 502 | 503 | 504);
    console.error(err); // anything else: as Hono's default handler does
    return c.text('Internal Server Error', 500);
  });
  return app;
}
// end of recipe

import { describeFetchDoor } from './fetch-door';

describeFetchDoor('Hono on @hono/node-server', (verifier) => honoApp(verifier).fetch);
