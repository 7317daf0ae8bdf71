/**
 * Koa 3 through koa-passport and @koa/router: its request mock carries a `res` with `setHeader`,
 * so the strategy's 400 and 403 challenges reach the client as they do under Express.
 */
import Router from '@koa/router';
import Koa from 'koa';
import bodyParser from 'koa-bodyparser';
import { KoaPassport } from 'koa-passport';
import { createServer, type Server } from 'node:http';
import { LwaError } from '../../lib';
import { acceptedCases, expectRefused, refusalCases, useEmulator, getMe } from '../support/fixture';

const lwa = useEmulator();

let server: Server;
beforeAll(() => {
  const passport = new KoaPassport();
  passport.use(lwa.strategy({ cache: false }));
  const app = new Koa();
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (!(err instanceof LwaError)) throw err;
      ctx.status = err.status;
      ctx.body = { error: err.code };
    }
  });
  app.use(bodyParser());
  app.use(passport.initialize());
  const router = new Router();
  const guard = passport.authenticate('amazon-token', { session: false });
  router.get('/api/me', guard, (ctx) => {
    ctx.body = { user: ctx.state.user };
  });
  router.post('/api/me', guard, (ctx) => {
    ctx.body = { user: ctx.state.user };
  });
  app.use(router.routes());
  server = createServer(app.callback());
});

test.each(acceptedCases(lwa))('$name: 200 with the user in ctx.state', async ({ send, user }) => {
  const res = await send(server, '/api/me');
  expect([res.status, res.body]).toEqual([200, { user }]);
});

test.each(refusalCases(lwa))('$name: $status, with its challenge', async ({ send, status, error }) => {
  expectRefused(await send(server, '/api/me'), status, error);
});

test('Amazon down: the error middleware answers 502 ERR_LWA_UPSTREAM_STATUS', async () => {
  lwa.emu.fault('tokeninfo', { kind: 'status', status: 500 });
  const token = lwa.mint();
  const res = await getMe(server, token);
  expect(res.status).toBe(502);
  expect(res.body).toEqual({ error: 'ERR_LWA_UPSTREAM_STATUS' });
});
