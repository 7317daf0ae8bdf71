/**
 * docs/doors.md, "API Gateway Lambda authorizer (REQUEST type)": the handler takes API Gateway's
 * documented REQUEST event (REST API), verifies the request it describes, and returns an Allow
 * policy with the customer in `context`; a refusal throws 'Unauthorized' (API Gateway's 401), or
 * Deny for a token without the authorizer's scope (its 403); an outage rejects with the LwaError (API Gateway's 500), never
 * 'Unauthorized'. The recipe block below is the document's, verbatim but for the package's import
 * (test/doors/docs-match.test.ts checks).
 */

// recipe: API Gateway authorizer
import type { LwaScope, LwaVerifier } from '../../lib';

/** What is read of API Gateway's REQUEST authorizer event (REST API): every value of each name. */
type Values = Record<string, string[] | undefined> | null;
export type RequestAuthorizerEvent = {
  methodArn: string;
  multiValueHeaders: Values;
  multiValueQueryStringParameters: Values;
};

/** Allow, with the customer in `context`; a token without `scope`: Deny (403); other refusals: 401. */
export const lwaAuthorizer =
  (verifier: LwaVerifier<Request>, scope: LwaScope | readonly LwaScope[]) => async (event: RequestAuthorizerEvent) => {
    const url = new URL('https://authorizer.invalid/');
    const headers = new Headers();
    for (const [name, values] of Object.entries(event.multiValueQueryStringParameters ?? {}))
      for (const value of values ?? []) url.searchParams.append(name, value);
    for (const [name, values] of Object.entries(event.multiValueHeaders ?? {}))
      for (const value of values ?? []) headers.append(name, value);
    // An outage rejects with its LwaError: API Gateway answers 500, never 401.
    const result = await verifier.verifyRequest(new Request(url, { headers }), { scope }); // this API's scopes
    if (!result.ok && result.status !== 403) throw new Error('Unauthorized'); // API Gateway's 401
    // The whole stage, not this method only: API Gateway caches the policy for the token.
    const Resource = `${event.methodArn.split('/', 2).join('/')}/*`;
    const Effect = result.ok ? 'Allow' : 'Deny';
    return {
      principalId: result.ok ? result.profile.id : 'unknown',
      policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect, Resource }] },
      ...(result.ok && { context: { userID: result.profile.id } }),
    };
  };
// end of recipe

import { LwaError, LwaVerifier as Verifier } from '../../lib';
import type { Fault } from '../../lib/testing';
import { CLIENT_ID, expectNoSliceOf, OTHER_CLIENT_ID, useEmulator } from '../support/fixture';

const lwa = useEmulator();

/**
 * API Gateway's REQUEST authorizer input for `GET /request` of a REST API with a proxy integration,
 * after the example in "Input to an API Gateway Lambda authorizer" (API Gateway developer guide),
 * with the client's `headers` and `query` (each name with all its values).
 */
function requestEvent(
  headers: Record<string, string[]> = {},
  query: Record<string, string[]> = {},
): RequestAuthorizerEvent & Record<string, unknown> {
  const base: Record<string, string[]> = {
    'X-AMZ-Date': ['20170718T062915Z'],
    Accept: ['*/*'],
    'CloudFront-Viewer-Country': ['US'],
    'CloudFront-Forwarded-Proto': ['https'],
    Host: ['abcdef123.execute-api.us-east-1.amazonaws.com'],
    'User-Agent': ['curl/8.5.0'],
    'X-Forwarded-For': ['203.0.113.7, 70.132.20.77'],
    'X-Forwarded-Port': ['443'],
    'X-Forwarded-Proto': ['https'],
  };
  const multiValueHeaders = { ...base, ...headers };
  const last = (values: Record<string, string[]>) =>
    Object.fromEntries(Object.entries(values).map(([name, list]) => [name, list[list.length - 1]]));
  return {
    type: 'REQUEST',
    methodArn: 'arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/request',
    resource: '/request',
    path: '/request',
    httpMethod: 'GET',
    headers: last(multiValueHeaders),
    multiValueHeaders,
    queryStringParameters: Object.keys(query).length ? last(query) : null,
    multiValueQueryStringParameters: Object.keys(query).length ? query : null,
    pathParameters: {},
    stageVariables: { StageVar1: 'stageValue1' },
    requestContext: {
      path: '/request',
      accountId: '123456789012',
      resourceId: '05c7jb',
      stage: 'test',
      requestId: 'e6b1a3a2-6c4f-4b8d-9a41-2d4f6c8e0b17',
      identity: { apiKey: null, sourceIp: '203.0.113.7' },
      resourcePath: '/request',
      httpMethod: 'GET',
      apiId: 'abcdef123',
    },
  };
}

const STAGE = 'arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/*';
const bearerHeader = (token: string) => ({ Authorization: [`Bearer ${token}`] });

const verifiers: Verifier<Request>[] = [];
afterAll(() => Promise.allSettled(verifiers.map((v) => v.close())));

function authorizer(options: { timeout?: number; circuitBreaker?: boolean } = {}, scope: LwaScope = 'profile') {
  const verifier = new Verifier<Request>({
    clientID: CLIENT_ID,
    tokenInfoURL: lwa.emu.tokenInfoURL,
    profileURL: lwa.emu.profileURL,
    timeout: 2000,
    ...options,
  });
  verifiers.push(verifier);
  return lwaAuthorizer(verifier, scope);
}

let handler: ReturnType<typeof lwaAuthorizer>;
beforeAll(() => {
  handler = authorizer();
});

describe('Allow: the customer in context', () => {
  test('a bearer token: Allow on the whole stage, principalId and context.userID the customer', async () => {
    const token = lwa.mint({ userID: 'amzn1.account.GATEWAYUSER' });
    const result = await handler(requestEvent(bearerHeader(token)));
    expect(result).toEqual({
      principalId: 'amzn1.account.GATEWAYUSER',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: STAGE }],
      },
      context: { userID: 'amzn1.account.GATEWAYUSER' },
    });
    expectNoSliceOf(token, result);
    expect(lwa.emu.calls).toEqual({ tokeninfo: 1, profile: 1 });
  });

  test('a lower-case header name (HTTP/2 clients): Allow', async () => {
    const result = await handler(requestEvent({ authorization: [`Bearer ${lwa.mint()}`] }));
    expect(result.policyDocument.Statement[0].Effect).toBe('Allow');
  });

  test('the access_token query: Allow', async () => {
    const result = await handler(requestEvent({}, { access_token: [lwa.mint()] }));
    expect(result.policyDocument.Statement[0].Effect).toBe('Allow');
  });
});

describe("refused: throw 'Unauthorized' (API Gateway's 401), or Deny for a missing scope (its 403)", () => {
  test.each([
    { name: 'no token', event: () => requestEvent(), tokeninfo: 0 },
    { name: 'another scheme (Basic)', event: () => requestEvent({ Authorization: ['Basic dTpw'] }), tokeninfo: 0 },
    {
      name: 'a token Amazon does not know',
      event: () => requestEvent(bearerHeader(`Atza|${'q'.repeat(400)}`)),
      tokeninfo: 1,
    },
    { name: 'a revoked token', event: () => requestEvent(bearerHeader(revoked(lwa.mint()))), tokeninfo: 1 },
    {
      name: 'a token issued to another app',
      event: () => requestEvent(bearerHeader(lwa.emu.mintToken({ clientID: OTHER_CLIENT_ID }))),
      tokeninfo: 1,
    },
    {
      name: 'a repeated Authorization header (multiValueHeaders)',
      event: () => requestEvent({ Authorization: [`Bearer ${lwa.mint()}`, `Bearer ${lwa.mint()}`] }),
      tokeninfo: 0,
    },
    {
      name: 'a token in the header and the query',
      event: () => {
        const token = lwa.mint();
        return requestEvent(bearerHeader(token), { access_token: [token] });
      },
      tokeninfo: 0,
    },
  ])("$name: 'Unauthorized'; Amazon asked $tokeninfo time(s)", async ({ event, tokeninfo }) => {
    await expect(handler(event())).rejects.toThrow(new Error('Unauthorized'));
    expect(lwa.emu.calls.tokeninfo).toBe(tokeninfo);
  });

  test("scope 'postal_code': Deny for a token that grants only profile, Allow for one that grants it", async () => {
    const shipping = authorizer({}, 'postal_code');
    const denied = await shipping(requestEvent(bearerHeader(lwa.mint({ scopes: ['profile'] }))));
    expect(denied).toEqual({
      principalId: 'unknown',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: STAGE }],
      },
    });
    const granted = lwa.mint({ userID: 'amzn1.account.SHIPPER', scopes: ['profile', 'postal_code'] });
    const allowed = await shipping(requestEvent(bearerHeader(granted)));
    expect(allowed).toMatchObject({
      principalId: 'amzn1.account.SHIPPER',
      context: { userID: 'amzn1.account.SHIPPER' },
    });
    expect(allowed.policyDocument.Statement[0].Effect).toBe('Allow');
  });

  test('a token without the profile scope: Deny on the stage, no context', async () => {
    const result = await handler(requestEvent(bearerHeader(lwa.mint({ scopes: [] }))));
    expect(result).toEqual({
      principalId: 'unknown',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: STAGE }],
      },
    });
  });
});

describe("Amazon down: the LwaError (API Gateway's 500), never 'Unauthorized'", () => {
  let duringOutage: ReturnType<typeof lwaAuthorizer>;
  beforeAll(() => {
    // A short deadline for the hang; no circuit breaker, so each row meets Amazon's own fault.
    duringOutage = authorizer({ timeout: 300, circuitBreaker: false });
  });

  test.each<{ name: string; fault: Fault; status: number }>([
    { name: 'tokeninfo answers 500', fault: { kind: 'status', status: 500 }, status: 502 },
    { name: 'tokeninfo answers 429', fault: { kind: 'rate-limit', retryAfter: 30 }, status: 503 },
    { name: 'Amazon hangs', fault: { kind: 'hang' }, status: 504 },
  ])('$name: an LwaError with status $status', async ({ fault, status }) => {
    lwa.emu.fault('both', fault);
    const token = lwa.mint();
    const err: unknown = await duringOutage(requestEvent(bearerHeader(token))).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LwaError);
    expect({ status: (err as LwaError).status, message: (err as LwaError).message }).toEqual({
      status,
      message: expect.not.stringMatching(/^Unauthorized$/),
    });
    expectNoSliceOf(token, err);
  });
});

function revoked(token: string): string {
  lwa.emu.revoke(token);
  return token;
}
