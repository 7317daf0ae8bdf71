/**
 * docs/doors.md, "Alexa skills on AWS Lambda (ask-sdk-core)": a request interceptor verifies the
 * envelope's account-linking token with `verifier.verify(token)`; a customer who is not linked, or
 * whose token is refused, gets the LinkAccount card; an outage gets an apology, never the card. The
 * skill's `invoke(envelope)` runs Alexa's documented envelopes (test/support/alexa-envelopes.ts)
 * directly: no Lambda needed. The recipe block below is the document's, verbatim but for the
 * package's import (test/doors/docs-match.test.ts checks).
 */

// recipe: Alexa on Lambda
import * as Alexa from 'ask-sdk-core';
import { LwaError, type AmazonProfile, type LwaVerifier } from '../../lib';

/** Verifies the account-linking token of each request: the customer becomes a request attribute. */
const linkedCustomer = (verifier: LwaVerifier): Alexa.RequestInterceptor => ({
  async process(input) {
    const token = Alexa.getAccountLinkingAccessToken(input.requestEnvelope);
    // An outage rejects: `amazonDown` answers it, and the customer is not asked to link again.
    const result = token === undefined ? undefined : await verifier.verify(token);
    if (result?.ok) input.attributesManager.setRequestAttributes({ customer: result.profile });
  },
});

/** The request's Amazon customer, once `linkedCustomer` ran. */
export const customerOf = (input: Alexa.HandlerInput): AmazonProfile | undefined =>
  input.attributesManager.getRequestAttributes().customer as AmazonProfile | undefined;

/** First in line: no token, or a refused one, gets the LinkAccount card in the Alexa app. */
const notLinked: Alexa.RequestHandler = {
  canHandle: (input) => customerOf(input) === undefined,
  handle: (input) =>
    input.responseBuilder
      .speak('Please link your Amazon account in the Alexa app.')
      .withLinkAccountCard()
      .getResponse(),
};

const amazonDown: Alexa.ErrorHandler = {
  canHandle: (_input, err) => err instanceof LwaError,
  handle: (input) => input.responseBuilder.speak('Sorry, I cannot reach your account. Try again later.').getResponse(),
};

/** `export const handler = skill(verifier, launch, orderStatus).lambda();` */
export const skill = (verifier: LwaVerifier, ...handlers: Alexa.RequestHandler[]) =>
  Alexa.SkillBuilders.custom()
    .addRequestInterceptors(linkedCustomer(verifier))
    .addRequestHandlers(notLinked, ...handlers)
    .addErrorHandlers(amazonDown);
// end of recipe

import type { RequestEnvelope, ResponseEnvelope } from 'ask-sdk-model';
import { LwaVerifier as Verifier } from '../../lib';
import { CLIENT_ID, expectNoSliceOf, OTHER_CLIENT_ID, useEmulator } from '../support/fixture';
import { intentRequest, launchRequest, playbackStarted } from '../support/alexa-envelopes';

const lwa = useEmulator();

/** The skill's own handlers: they see the linked customer. */
const seen: string[] = [];
const hello: Alexa.RequestHandler = {
  canHandle: (input) => Alexa.getRequestType(input.requestEnvelope) !== 'AudioPlayer.PlaybackStarted',
  handle: (input) => input.responseBuilder.speak(`Hello ${customerOf(input)?.displayName ?? ''}`).getResponse(),
};
const playback: Alexa.RequestHandler = {
  canHandle: (input) => Alexa.getRequestType(input.requestEnvelope) === 'AudioPlayer.PlaybackStarted',
  handle: (input) => {
    seen.push(customerOf(input)?.id ?? 'nobody');
    return input.responseBuilder.getResponse();
  },
};

const verifiers: Verifier[] = [];
afterAll(() => Promise.allSettled(verifiers.map((v) => v.close())));

/** The recipe's skill with the test's handlers, its verifier pointed at the emulator: its `invoke`. */
function skillAgainstEmulator(options: { timeout?: number; circuitBreaker?: boolean } = {}) {
  const verifier = new Verifier({
    clientID: CLIENT_ID,
    tokenInfoURL: lwa.emu.tokenInfoURL,
    profileURL: lwa.emu.profileURL,
    timeout: 2000,
    ...options,
  });
  verifiers.push(verifier);
  const built = skill(verifier, hello, playback).create();
  return (envelope: object): Promise<ResponseEnvelope> => built.invoke(envelope as RequestEnvelope);
}

let invoke: ReturnType<typeof skillAgainstEmulator>;
beforeAll(() => {
  invoke = skillAgainstEmulator();
});
beforeEach(() => {
  seen.length = 0;
});

const speech = (res: ResponseEnvelope): string | undefined =>
  res.response.outputSpeech?.type === 'SSML' ? res.response.outputSpeech.ssml : undefined;

describe('a linked customer', () => {
  test.each([
    ['LaunchRequest', launchRequest],
    ['IntentRequest', intentRequest],
  ])('%s: the skill answers the customer, no LinkAccount card', async (_name, envelope) => {
    const res = await invoke(envelope(lwa.mint({ name: 'Alexa Owner' })));
    expect({ speech: speech(res), card: res.response.card }).toEqual({
      speech: '<speak>Hello Alexa Owner</speak>',
      card: undefined,
    });
    expect(lwa.emu.calls).toEqual({ tokeninfo: 1, profile: 1 });
  });

  test('an AudioPlayer event (no session, the token in context only): the customer is there', async () => {
    await invoke(playbackStarted(lwa.mint({ userID: 'amzn1.account.LISTENER' })));
    expect(seen).toEqual(['amzn1.account.LISTENER']);
  });

  test('the requests of one session share one verification (the cache)', async () => {
    const token = lwa.mint();
    await invoke(launchRequest(token));
    await invoke(intentRequest(token));
    expect(lwa.emu.calls).toEqual({ tokeninfo: 1, profile: 1 });
  });
});

describe('no linked customer: the LinkAccount card', () => {
  test('not linked (no accessToken in the envelope): the card, no call to Amazon', async () => {
    const res = await invoke(launchRequest());
    expect({ speech: speech(res), card: res.response.card }).toEqual({
      speech: '<speak>Please link your Amazon account in the Alexa app.</speak>',
      card: { type: 'LinkAccount' },
    });
    expect(lwa.emu.calls).toEqual({ tokeninfo: 0, profile: 0 });
  });

  test.each([
    { name: 'a revoked token', token: () => revoked(lwa.mint()), tokeninfo: 1 },
    { name: 'an expired token', token: () => lwa.mint({ expiresIn: 0 }), tokeninfo: 1 },
    {
      name: 'a token linked through another security profile',
      token: () => lwa.emu.mintToken({ clientID: OTHER_CLIENT_ID }),
      tokeninfo: 1,
    },
    { name: 'a token without the profile scope', token: () => lwa.mint({ scopes: [] }), tokeninfo: 1 },
    { name: 'a refresh token', token: () => `Atzr|${'r'.repeat(400)}`, tokeninfo: 0 },
    { name: 'a malformed token', token: () => 'not-a-token', tokeninfo: 0 },
  ])('$name: the card; Amazon asked $tokeninfo time(s); no slice of the token in the answer', async (row) => {
    const secret = row.token();
    const res = await invoke(intentRequest(secret));
    expect(res.response.card).toEqual({ type: 'LinkAccount' });
    expect(lwa.emu.calls.tokeninfo).toBe(row.tokeninfo);
    expectNoSliceOf(secret, res);
  });

  test('an AudioPlayer event of a customer who unlinked: the skill’s handler never runs', async () => {
    await invoke(playbackStarted());
    expect(seen).toEqual([]);
  });
});

describe('Amazon down: an apology, never the LinkAccount card', () => {
  let invokeDuringOutage: ReturnType<typeof skillAgainstEmulator>;
  beforeAll(() => {
    // A short deadline for the hang; no circuit breaker, so each row meets Amazon's own fault.
    invokeDuringOutage = skillAgainstEmulator({ timeout: 300, circuitBreaker: false });
  });

  test.each<[string, Parameters<typeof lwa.emu.fault>[1]]>([
    ['tokeninfo answers 500', { kind: 'status', status: 500 }],
    ['tokeninfo answers 429', { kind: 'rate-limit', retryAfter: 30 }],
    ['Amazon hangs', { kind: 'hang' }],
  ])('%s', async (_name, fault) => {
    lwa.emu.fault('both', fault);
    const token = lwa.mint();
    const res = await invokeDuringOutage(launchRequest(token));
    expect({ speech: speech(res), card: res.response.card }).toEqual({
      speech: '<speak>Sorry, I cannot reach your account. Try again later.</speak>',
      card: undefined,
    });
    expectNoSliceOf(token, res);
  });
});

function revoked(token: string): string {
  lwa.emu.revoke(token);
  return token;
}
