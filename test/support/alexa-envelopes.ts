/**
 * Alexa request envelopes as Alexa sends them, after the shapes in Amazon's Alexa documentation:
 * custom skills ("Request and Response JSON Reference", "Request Types Reference") and smart-home
 * directives ("Alexa.Discovery Interface", "Alexa.PowerController Interface", "Alexa.Authorization
 * Interface"). Identifiers are made up; each takes the account-linking access token it should carry.
 */

const SKILL_ID = 'amzn1.ask.skill.6f1a2b3c-4d5e-6f70-8192-a3b4c5d6e7f8';
const ASK_USER_ID =
  'amzn1.ask.account.AF5YGK5QXZ3LWCNMMQVF3J2HNH7MIRUNS5LAHSGGJ3FYHZ7YV6BOPRVCYQOHIJKXKZ7LNI6XZGQZ7MYKG6OHAPOGBPRVFY';
const DEVICE_ID = 'amzn1.ask.device.AEXJ5N2GQTR4BVVZ7WZKQX3GJ2RQ6DXQH4KRFXBAP3YGZ2T5V7N4A';
/** Alexa's own token for calling Alexa APIs, in every custom-skill request: never the customer's LWA token. */
const API_ACCESS_TOKEN =
  'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJhdWQiOiJodHRwczovL2FwaS5hbWF6b25hbGV4YS5jb20ifQ.c2ln';

/** `session` and `context.System.user`: `accessToken` is there only once the customer has linked. */
function customSkill(
  request: Record<string, unknown>,
  tokens: { context?: string; session?: string },
  withSession = true,
): Record<string, unknown> {
  const user = (token: string | undefined) => ({
    userId: ASK_USER_ID,
    ...(token === undefined ? {} : { accessToken: token }),
  });
  return {
    version: '1.0',
    ...(withSession
      ? {
          session: {
            new: request.type === 'LaunchRequest',
            sessionId: 'amzn1.echo-api.session.0d3f5a1e-7b2c-4e8d-9a6f-1c2b3d4e5f60',
            application: { applicationId: SKILL_ID },
            attributes: {},
            user: user(tokens.session),
          },
        }
      : {}),
    context: {
      Viewports: [],
      System: {
        application: { applicationId: SKILL_ID },
        user: user(tokens.context),
        device: { deviceId: DEVICE_ID, supportedInterfaces: { AudioPlayer: {} } },
        apiEndpoint: 'https://api.amazonalexa.com',
        apiAccessToken: API_ACCESS_TOKEN,
      },
      AudioPlayer: { playerActivity: 'IDLE' },
    },
    request,
  };
}

export const launchRequest = (token?: string, sessionToken: string | undefined = token) =>
  customSkill(
    {
      type: 'LaunchRequest',
      requestId: 'amzn1.echo-api.request.5a4c3b2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d',
      timestamp: '2026-11-24T14:00:00Z',
      locale: 'en-US',
      shouldLinkResultBeReturned: false,
    },
    { context: token, session: sessionToken },
  );

export const intentRequest = (token?: string, sessionToken: string | undefined = token) =>
  customSkill(
    {
      type: 'IntentRequest',
      requestId: 'amzn1.echo-api.request.7c6b5a49-3827-4165-9e8d-7c6b5a493827',
      timestamp: '2026-11-24T14:00:05Z',
      locale: 'en-US',
      dialogState: 'COMPLETED',
      intent: {
        name: 'OrderStatusIntent',
        confirmationStatus: 'NONE',
        slots: { orderNumber: { name: 'orderNumber', value: '1234', confirmationStatus: 'NONE', source: 'USER' } },
      },
    },
    { context: token, session: sessionToken },
  );

/** An AudioPlayer event: no `session` at all, the token only in `context`. */
export const playbackStarted = (token?: string) =>
  customSkill(
    {
      type: 'AudioPlayer.PlaybackStarted',
      requestId: 'amzn1.echo-api.request.1b2c3d4e-5f60-4718-92a3-b4c5d6e7f809',
      timestamp: '2026-11-24T14:01:00Z',
      locale: 'en-US',
      token: 'track-0001',
      offsetInMilliseconds: 0,
    },
    { context: token },
    false,
  );

const header = (namespace: string, name: string, correlated = false) => ({
  namespace,
  name,
  payloadVersion: '3',
  messageId: '1bd5d003-31b9-476f-ad03-71d471922820',
  ...(correlated ? { correlationToken: 'dFMb0z+PgpgdDmluhJ1LddFvSqZ/jCc8ptlAKulUj90jSqg==' } : {}),
});

export const discover = (token: string) => ({
  directive: {
    header: header('Alexa.Discovery', 'Discover'),
    payload: { scope: { type: 'BearerToken', token } },
  },
});

export const turnOn = (token: string) => ({
  directive: {
    header: header('Alexa.PowerController', 'TurnOn', true),
    endpoint: {
      scope: { type: 'BearerToken', token },
      endpointId: 'appliance-001',
      cookie: {},
    },
    payload: {},
  },
});

export const acceptGrant = (token: string) => ({
  directive: {
    header: header('Alexa.Authorization', 'AcceptGrant'),
    payload: {
      grant: { type: 'OAuth2.AuthorizationCode', code: 'ANUbUKCJqlBOpMhwYWxU' },
      grantee: { type: 'BearerToken', token },
    },
  },
});
