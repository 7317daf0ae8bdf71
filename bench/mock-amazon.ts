/**
 * Amazon played by an undici MockAgent, for the in-process measurements (the `dispatcher` option):
 * the whole verification pipeline runs (client, parsing, checks, cache) without sockets. Tokeninfo
 * and the profile answer as Amazon does, for any token, with one customer per token and a
 * realistic profile (name, e-mail, postal code).
 */
import { MockAgent } from 'undici';

const JSON_TYPE = { headers: { 'content-type': 'application/json;charset=UTF-8' } };

// A realistic length (Amazon's are ~400 characters), distinct by their first characters.
const FILLER = 'IwEBIA'.repeat(70);

/** The `i`th distinct access token of Amazon's form. */
export const tokenOf = (i: number): string => `Atza|${i.toString(36).padStart(10, '0')}${FILLER}`;

/** A customer id of Amazon's form (28 characters after the prefix), one per token. */
const userOf = (token: string): string =>
  `amzn1.account.${token
    .slice(5, 15)
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, 'X')
    .padEnd(28, 'A')}`;

/** A MockAgent answering as Amazon for tokens issued to `clientID`; no network. */
export function mockAmazon(clientID: string): MockAgent {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const pool = agent.get('https://api.amazon.com');
  pool
    .intercept({ path: (path: string) => path.startsWith('/auth/o2/tokeninfo'), method: 'GET' })
    .reply(
      200,
      ({ headers }) => ({
        iss: 'https://www.amazon.com',
        user_id: userOf(String((headers as Record<string, string>)['x-amz-access-token'])),
        aud: clientID,
        app_id: 'amzn1.application.0123456789abcdef0123456789abcdef',
        exp: 3600,
        iat: Math.floor(Date.now() / 1000),
      }),
      JSON_TYPE,
    )
    .persist();
  pool
    .intercept({ path: '/user/profile', method: 'GET' })
    .reply(
      200,
      ({ headers }) => ({
        user_id: userOf(String((headers as Record<string, string>).authorization).slice('Bearer '.length)),
        name: 'Mork Hashimoto',
        email: 'mork.hashimoto@example.com',
        postal_code: '98052',
      }),
      JSON_TYPE,
    )
    .persist();
  return agent;
}
