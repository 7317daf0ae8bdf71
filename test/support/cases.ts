/** The requests every framework test sends: accepted ones, and one refusal of each kind. */
import request from 'supertest';
import { bearer, type TestUser } from './app';
import { OTHER_CLIENT_ID, type EmulatorFixture } from './emulator';

/** A request with a good token, and the user the test routes answer with: what every framework test sends. */
export interface AcceptedCase {
  readonly name: string;
  readonly method: 'GET' | 'POST';
  /** What the route answers: `{ user }` as `verify` made it ({@link acceptAll}). */
  readonly user: TestUser;
  /** Sends the request to `path` of `app` (an app, a server or a URL). */
  send(app: Parameters<typeof request>[0], path: string): request.Test;
}

/** A good token in the Authorization header, in a JSON body and in a form body, minted by `lwa`. */
export function acceptedCases(lwa: EmulatorFixture): AcceptedCase[] {
  const user = { id: 'amzn1.account.FRAMEWORKUSER', name: 'Ann' };
  const mint = () => lwa.mint({ userID: user.id, name: user.name });
  return [
    {
      name: 'a token in the Authorization header',
      method: 'GET',
      user,
      send: (app, path) => request(app).get(path).set(bearer(mint())),
    },
    {
      name: 'a token in a JSON body',
      method: 'POST',
      user,
      send: (app, path) => request(app).post(path).send({ access_token: mint() }),
    },
    {
      name: 'a token in a form body',
      method: 'POST',
      user,
      send: (app, path) => request(app).post(path).type('form').send({ access_token: mint() }),
    },
  ];
}

/** A request the strategy must refuse, and how: what every framework test sends. */
export interface RefusalCase {
  readonly name: string;
  readonly status: 400 | 401 | 403;
  /** The challenge's `error`; none for a request without a token. */
  readonly error?: string;
  /** Sends the request (a GET) to `path` of `app` (an app, a server or a URL). */
  send(app: Parameters<typeof request>[0], path: string): request.Test;
}

/** The refusals of docs/design.md, Outcomes, one of each kind, with tokens from `lwa`. */
export function refusalCases(lwa: EmulatorFixture): RefusalCase[] {
  const get = (app: Parameters<typeof request>[0], path: string, token?: string) =>
    token === undefined ? request(app).get(path) : request(app).get(path).set(bearer(token));
  return [
    { name: 'no token', status: 401, send: (app, path) => get(app, path) },
    {
      name: 'a token Amazon does not know',
      status: 401,
      error: 'invalid_token',
      send: (app, path) => get(app, path, `Atza|${'q'.repeat(400)}`),
    },
    {
      name: 'a token issued to another app',
      status: 401,
      error: 'invalid_token',
      send: (app, path) => get(app, path, lwa.emu.mintToken({ clientID: OTHER_CLIENT_ID })),
    },
    {
      name: 'a token in two places',
      status: 400,
      error: 'invalid_request',
      send: (app, path) => {
        const token = lwa.mint();
        return get(app, path, token).query({ access_token: token });
      },
    },
    {
      name: 'a token without the profile scope',
      status: 403,
      error: 'insufficient_scope',
      send: (app, path) => get(app, path, lwa.mint({ scopes: [] })),
    },
  ];
}
