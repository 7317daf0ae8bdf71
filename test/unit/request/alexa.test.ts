/** alexaAccessToken on its own: every envelope shape that carries a token, and what it refuses to guess. */
import { alexaAccessToken } from '../../../lib';
import {
  acceptGrant,
  discover,
  intentRequest,
  launchRequest,
  playbackStarted,
  turnOn,
} from '../../support/alexa-envelopes';

const TOKEN = `Atza|${'a'.repeat(400)}`;
const OTHER = `Atza|${'b'.repeat(400)}`;
const req = (body: unknown) => ({ body });

describe('alexaAccessToken', () => {
  test.each([
    ['LaunchRequest', launchRequest(TOKEN)],
    ['IntentRequest', intentRequest(TOKEN)],
    ['an AudioPlayer event (context only, no session)', playbackStarted(TOKEN)],
    ['Alexa.Discovery Discover', discover(TOKEN)],
    ['Alexa.PowerController TurnOn', turnOn(TOKEN)],
    ['Alexa.Authorization AcceptGrant', acceptGrant(TOKEN)],
  ])('%s: the token', (_name, body) => {
    expect(alexaAccessToken(req(body))).toBe(TOKEN);
  });

  test('a custom skill carrying it in context only, or in session only, is still read', () => {
    expect(alexaAccessToken(req(launchRequest(TOKEN, undefined)))).toBe(TOKEN);
    expect(alexaAccessToken(req(launchRequest(undefined, TOKEN)))).toBe(TOKEN);
  });

  test('different tokens in context and session: both, for the strategy to refuse', () => {
    expect(alexaAccessToken(req(intentRequest(TOKEN, OTHER)))).toEqual([TOKEN, OTHER]);
  });

  test('an envelope of one shape and a token of another that differs: both', () => {
    const body = { ...discover(TOKEN), context: { System: { user: { accessToken: OTHER } } } };
    expect(alexaAccessToken(req(body))).toEqual([OTHER, TOKEN]); // in the order of the paths read
  });

  test('a customer who has not linked: undefined (and never apiAccessToken)', () => {
    for (const body of [launchRequest(), intentRequest(), playbackStarted()]) {
      expect(alexaAccessToken(req(body))).toBeUndefined();
    }
  });

  test('no body, a body that is not an envelope, and non-string tokens: undefined', () => {
    for (const value of [undefined, null, 'text', Buffer.from('{}'), [], { directive: [] }, { context: null }]) {
      expect(alexaAccessToken(req(value))).toBeUndefined();
    }
    expect(alexaAccessToken(undefined)).toBeUndefined();
    expect(alexaAccessToken(req({ directive: { endpoint: { scope: { token: 42 } } } }))).toBeUndefined();
    expect(alexaAccessToken(req({ session: { user: { accessToken: null } } }))).toBeUndefined();
  });

  test('inherited properties do not count', () => {
    const user = Object.create({ accessToken: TOKEN }) as object;
    expect(alexaAccessToken(req({ session: { user } }))).toBeUndefined();
    expect(
      alexaAccessToken(req(JSON.parse(`{"__proto__": {"session": {"user": {"accessToken": "${TOKEN}"}}}}`))),
    ).toBeUndefined();
  });
});
