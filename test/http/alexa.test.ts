/**
 * The Alexa recipe over HTTP: Express with express.json(), the strategy reading the token with
 * alexaAccessToken only, Alexa's envelopes posted as Alexa posts them, verified against the emulator.
 */
import express, { type ErrorRequestHandler } from 'express';
import passport from 'passport';
import request from 'supertest';
import { alexaAccessToken, Strategy, type AmazonProfile } from '../../lib';
import type { LwaEmulator } from '../../lib/testing';
import { useEmulator } from '../support/fixture';
import {
  acceptGrant,
  discover,
  intentRequest,
  launchRequest,
  playbackStarted,
  turnOn,
} from '../support/alexa-envelopes';

const CLIENT_ID = 'amzn1.application-oa2-client.alexa-linking';

// The shared fixture's emulator (started and closed around the file, calls reset before each test);
// these tests mint for a client of their own, so they keep their own strategies too.
const lwa = useEmulator();
let emu: LwaEmulator;
beforeAll(() => {
  emu = lwa.emu;
});
const strategies: Strategy[] = [];
afterAll(() => Promise.allSettled(strategies.map((s) => s.close())));

const errors: ErrorRequestHandler = (err: { status?: number }, _req, res, _next) => {
  res.status(err.status ?? 500).json({ error: 'app_error' });
};

/** The skill endpoint as the recipe builds it (the signature check is the app's own middleware, left out here). */
function skillApp() {
  const strategy = new Strategy(
    {
      clientID: CLIENT_ID,
      tokenInfoURL: emu.tokenInfoURL,
      profileURL: emu.profileURL,
      tokenSources: [],
      extractToken: alexaAccessToken,
    },
    async (_token, profile: AmazonProfile) => ({ id: profile.id, name: profile.displayName }),
  );
  strategies.push(strategy);
  const pp = new passport.Passport();
  pp.use(strategy);
  const app = express();
  app.post('/alexa', express.json(), pp.authenticate('amazon-token', { session: false }), (req, res) => {
    res.json({ user: req.user });
  });
  app.use(errors);
  return app;
}

/** As Alexa sends it: a POST with a JSON body and Alexa's content type. */
const post = (app: express.Express, envelope: object) =>
  request(app).post('/alexa').set('Content-Type', 'application/json;charset=UTF-8').send(JSON.stringify(envelope));

describe('Alexa requests through passport.authenticate', () => {
  test.each([
    ['custom skill LaunchRequest', launchRequest],
    ['custom skill IntentRequest', intentRequest],
    ['custom skill AudioPlayer event (no session)', playbackStarted],
    ['smart home Alexa.Discovery Discover', discover],
    ['smart home Alexa.PowerController TurnOn', turnOn],
    ['smart home Alexa.Authorization AcceptGrant', acceptGrant],
  ])('%s: the linked customer is the user', async (_name, envelope) => {
    const app = skillApp();
    const token = emu.mintToken({ clientID: CLIENT_ID, name: 'Alexa Owner' });
    const res = await post(app, envelope(token));
    expect(res.status).toBe(200);
    expect(res.body.user).toEqual({ id: expect.stringMatching(/^amzn1\.account\./), name: 'Alexa Owner' });
    expect(emu.calls).toEqual({ tokeninfo: 1, profile: 1 });
  });

  test('a customer who has not linked their account: 401 with a bare challenge, no call to Amazon', async () => {
    const res = await post(skillApp(), launchRequest());
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="Users"');
    expect(emu.calls).toEqual({ tokeninfo: 0, profile: 0 });
  });

  test('different tokens in context and session: 400 invalid_request, no call to Amazon', async () => {
    const a = emu.mintToken({ clientID: CLIENT_ID });
    const b = emu.mintToken({ clientID: CLIENT_ID });
    const res = await post(skillApp(), intentRequest(a, b));
    expect(res.status).toBe(400);
    expect(res.headers['www-authenticate']).toMatch(/error="invalid_request"/);
    expect(emu.calls).toEqual({ tokeninfo: 0, profile: 0 });
  });

  test('a token linked through another security profile: 401 invalid_token', async () => {
    const token = emu.mintToken({ clientID: 'amzn1.application-oa2-client.someone-else' });
    const res = await post(skillApp(), turnOn(token));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/error="invalid_token"/);
  });

  test('with tokenSources: [], an access_token beside the envelope is not read', async () => {
    const token = emu.mintToken({ clientID: CLIENT_ID });
    const res = await post(skillApp(), { ...launchRequest(), access_token: token });
    expect(res.status).toBe(401);
    expect(emu.calls).toEqual({ tokeninfo: 0, profile: 0 });
  });
});
