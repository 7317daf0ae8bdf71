/**
 * The example app over HTTP (supertest), against the emulator: every account-linking case, the
 * stateless API and its appID twin, local accounts, and the guards on session routes.
 */
import request from 'supertest';
import type { Express } from 'express';
import { LwaEmulator, type SignInCustomer } from '../../lib/testing';
import type { Account } from '../../example/accounts';
import { ExampleDatabase } from '../../example/database';
import { createApp } from '../../example/app';
import { DEMO_CLIENT_ID, emulatorConfig } from '../../example/config';
import { DEMO_CUSTOMERS } from '../../example/demo';
import { checkPassword, hashPassword } from '../../example/passwords';

let emu: LwaEmulator;
let database: ExampleDatabase;
let accounts: ExampleDatabase['accounts'];
let app: Express;
let closeApp: () => Promise<void>;
/** What the app printed for the developer (Amazon outages). */
let printed: string[];
let mork: SignInCustomer, ann: SignInCustomer, ben: SignInCustomer;

beforeAll(async () => {
  emu = await LwaEmulator.start({ customers: DEMO_CUSTOMERS });
  [mork, ann, ben] = emu.customers as [SignInCustomer, SignInCustomer, SignInCustomer];
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  database = ExampleDatabase.open(':memory:');
  accounts = database.accounts;
  printed = [];
  ({ app, close: closeApp } = createApp(emulatorConfig(emu), database, { log: (line) => printed.push(line) }));
  emu.clearFaults();
});
afterEach(async () => {
  await closeApp();
});

/** A token the emulator issues to the example's client for `customer`, as its sign-in page would. */
const tokenFor = (customer: SignInCustomer, extra: { appID?: string; clientID?: string } = {}) =>
  emu.mintToken({
    clientID: DEMO_CLIENT_ID,
    userID: customer.userID,
    name: customer.name,
    email: customer.email,
    ...extra,
  });

const amazonSignIn = (agent: request.Agent | ReturnType<typeof request>, token: string, more: object = {}) =>
  agent.post('/auth/amazon').send({ access_token: token, ...more });

/** An agent (cookie jar) signed in to a fresh local account. */
async function localUser(
  username: string,
  extra: { email?: string } = {},
): Promise<{ agent: request.Agent; account: Account }> {
  const agent = request.agent(app);
  const res = await agent
    .post('/auth/local/signup')
    .send({ username, password: 'correct horse battery', name: `${username} Local`, ...extra })
    .expect(201);
  return { agent, account: res.body.account as Account };
}

const session = async (agent: request.Agent): Promise<Account | null> =>
  (await agent.get('/api/session').expect(200)).body.account as Account | null;

describe('account linking (POST /auth/amazon)', () => {
  test('an unknown customer gets a new account, linked, and is signed in', async () => {
    const agent = request.agent(app);
    const res = await amazonSignIn(agent, tokenFor(ann)).expect(200);
    expect(res.body).toEqual({
      outcome: 'created',
      amazonUserId: ann.userID,
      tokenExpiresIn: expect.any(Number),
      account: {
        id: expect.any(String),
        name: 'Ann Example',
        email: 'ann@example.com',
        amazon: [{ userID: ann.userID, name: 'Ann Example', email: 'ann@example.com', linkedAt: expect.any(String) }],
      },
    });
    expect(res.headers['set-cookie']?.[0]).toMatch(/^example\.sid=.*; HttpOnly; SameSite=Lax/);
    expect(await session(agent)).toEqual(res.body.account);
  });

  test('a known Amazon user_id signs in to its account (from any browser, with any new token)', async () => {
    const first = await amazonSignIn(request(app), tokenFor(ann)).expect(200);
    const agent = request.agent(app);
    const again = await amazonSignIn(agent, tokenFor(ann)).expect(200);
    expect(again.body.outcome).toBe('signed-in');
    expect(again.body.account.id).toBe(first.body.account.id);
    expect((await session(agent))!.id).toBe(first.body.account.id);
  });

  test('a signed-in local user presenting a token links that Amazon account, then signs in with it', async () => {
    const { agent, account } = await localUser('dana');
    const res = await amazonSignIn(agent, tokenFor(ben)).expect(200);
    expect(res.body.outcome).toBe('linked');
    expect(res.body.account).toMatchObject({
      id: account.id,
      name: 'dana Local',
      username: 'dana',
      amazon: [{ userID: ben.userID }],
    });
    // A second customer links to the same account.
    const second = await amazonSignIn(agent, tokenFor(ann)).expect(200);
    expect(
      (second.body as { account: { amazon: Array<{ userID: string }> } }).account.amazon.map((l) => l.userID),
    ).toEqual([ben.userID, ann.userID]);
    // Presenting an already-linked customer again changes nothing.
    expect((await amazonSignIn(agent, tokenFor(ben)).expect(200)).body.outcome).toBe('already-linked');
    // Either customer now signs in to dana's account.
    const elsewhere = await amazonSignIn(request(app), tokenFor(ann)).expect(200);
    expect([elsewhere.body.outcome, elsewhere.body.account.id]).toEqual(['signed-in', account.id]);
  });

  test('an Amazon account linked to someone else is refused: 409 with a clear message, nothing changes', async () => {
    const owner = (await amazonSignIn(request(app), tokenFor(mork)).expect(200)).body.account as Account;
    const { agent, account } = await localUser('erin');
    const res = await amazonSignIn(agent, tokenFor(mork)).expect(409);
    expect(res.body).toEqual({
      error: 'amazon_linked_elsewhere',
      message:
        'The Amazon account of Mork Hashimoto is already linked to another account, so it was not linked to yours. Sign in with it to use that account.',
    });
    expect(res.headers['www-authenticate']).toBeUndefined();
    // Still signed in as erin, with nothing linked; Mork's account keeps the link.
    expect(await session(agent)).toMatchObject({ id: account.id, amazon: [] });
    expect((await accounts.findByAmazonId(mork.userID))!.id).toBe(owner.id);
  });

  test('a matching e-mail never merges: 409 email_in_use until the person confirms a separate account', async () => {
    const { account: local } = await localUser('ann-local', { email: 'ANN@example.com' });
    const agent = request.agent(app);
    const token = tokenFor(ann);
    const res = await amazonSignIn(agent, token).expect(409);
    expect(res.body.error).toBe('email_in_use');
    expect(res.body.message).toContain('sign in to it and link your Amazon account from there');
    expect(await accounts.findByAmazonId(ann.userID)).toBeUndefined();
    expect(await session(agent)).toBeNull();

    const confirmed = await amazonSignIn(agent, token, { createAccount: true }).expect(200);
    expect(confirmed.body.outcome).toBe('created');
    expect(confirmed.body.account.id).not.toBe(local.id);
    expect(await accounts.findById(local.id)).toMatchObject({ amazon: [] });
  });

  test('…and the other way: signed in to the account with that e-mail, the person links it', async () => {
    const { agent, account } = await localUser('ann-local', { email: 'ann@example.com' });
    const res = await amazonSignIn(agent, tokenFor(ann)).expect(200);
    expect([res.body.outcome, res.body.account.id]).toEqual(['linked', account.id]);
  });

  test('a customer with the profile:user_id scope only (no name, no e-mail) gets an account too', async () => {
    const token = emu.mintToken({
      clientID: DEMO_CLIENT_ID,
      userID: 'amzn1.account.ONLYID',
      scopes: ['profile:user_id'],
    });
    const res = await amazonSignIn(request(app), token).expect(200);
    expect(res.body.account).toEqual({
      id: expect.any(String),
      name: 'Amazon customer',
      amazon: [{ userID: 'amzn1.account.ONLYID', linkedAt: expect.any(String) }],
    });
  });

  test.each([
    ['an invalid token', () => 'Atza|' + 'x'.repeat(400), 'invalid_token'],
    ['an expired token', () => emu.mintToken({ clientID: DEMO_CLIENT_ID, expiresIn: 0 }), 'invalid_token'],
    [
      'a token for another client',
      () => tokenFor(ann, { clientID: 'amzn1.application-oa2-client.other' }),
      'invalid_token',
    ],
  ])('%s: 401 from the strategy, no account', async (_label, token, error) => {
    const res = await amazonSignIn(request(app), token()).expect(401);
    expect(res.headers['www-authenticate']).toContain(`error="${error}"`);
    expect(await accounts.findByAmazonId(ann.userID)).toBeUndefined();
  });

  test('the token is read from the JSON body only: a header is not enough', async () => {
    await request(app)
      .post('/auth/amazon')
      .set('Authorization', `Bearer ${tokenFor(ann)}`)
      .send({})
      .expect(401);
  });

  test('Amazon down: 502 JSON from the error handler, no account', async () => {
    emu.fault('both', { kind: 'status', status: 503 });
    const res = await amazonSignIn(request(app), tokenFor(ann)).expect(502);
    expect(res.body).toEqual({
      error: 'ERR_LWA_UPSTREAM_STATUS',
      message: 'Login with Amazon did not answer. Please try again.',
    });
    // The developer watching the terminal sees it, and no token.
    expect(printed).toEqual([expect.stringMatching(/^POST \/auth\/amazon: 502 ERR_LWA_UPSTREAM_STATUS: /)]);
    expect(printed.join('')).not.toContain('Atza|');
  });

  test('sign-out revokes the token the page sends, on every route; only a signed-in session can', async () => {
    const stranger = tokenFor(ann);
    await request(app).post('/auth/signout').send({ access_token: stranger }).expect(204);
    await request(app).get('/api/me').set('Authorization', `Bearer ${stranger}`).expect(403); // not revoked: no account, that is all

    const agent = request.agent(app);
    const token = tokenFor(ann);
    await amazonSignIn(agent, token).expect(200);
    await request(app).get('/api/me').set('Authorization', `Bearer ${token}`).expect(200);
    await agent.post('/auth/signout').send({ access_token: token }).expect(204);
    for (const route of ['/api/me', '/api/app/me'])
      await request(app)
        .get(route)
        .set('Authorization', `Bearer ${token}`)
        .expect(401, { error: 'invalid_token', message: 'The access token was revoked.' });
    await amazonSignIn(request(app), token).expect(401);
    expect(await session(agent)).toBeNull();
  });

  test('CSRF guards: a form post is 415, a cross-origin post is 403, a same-origin one passes', async () => {
    await request(app)
      .post('/auth/amazon')
      .type('form')
      .send({ access_token: tokenFor(ann) })
      .expect(415);
    await amazonSignIn(request(app), tokenFor(ann)).set('Origin', 'https://evil.example').expect(403);
    const res = await request(app)
      .post('/auth/amazon')
      .set('Host', 'app.test:3000')
      .set('Origin', 'http://app.test:3000')
      .send({ access_token: tokenFor(ann) });
    expect(res.status).toBe(200);
  });
});

describe('stateless API', () => {
  let token: string;
  beforeEach(async () => {
    await accounts.create({ name: 'Mork Hashimoto', amazon: { userID: mork.userID } });
    token = tokenFor(mork);
  });

  test.each([
    ['Authorization: Bearer', (r: request.Test, t: string) => r.set('Authorization', `Bearer ${t}`)],
    ['x-amz-access-token', (r: request.Test, t: string) => r.set('x-amz-access-token', t)],
    ['?access_token=', (r: request.Test, t: string) => r.query({ access_token: t })],
    ['a JSON body field', (r: request.Test, t: string) => r.send({ access_token: t })],
  ])('GET /api/me with the token in %s: the linked account, no cookie', async (_label, attach) => {
    const res = await attach(request(app).get('/api/me'), token).expect(200);
    expect(res.body).toEqual({
      account: expect.objectContaining({ name: 'Mork Hashimoto' }),
      amazonUserId: mork.userID,
      tokenExpiresIn: expect.any(Number),
    });
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  test('no token: 401 with the bare Bearer challenge', async () => {
    const res = await request(app).get('/api/me').expect(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="Users"');
  });

  test('a valid token of a customer with no account: 403 no_account', async () => {
    const res = await request(app)
      .get('/api/me')
      .set('Authorization', `Bearer ${tokenFor(ben)}`)
      .expect(403);
    expect(res.body.error).toBe('no_account');
    expect(res.headers['www-authenticate']).toBeUndefined();
  });

  test('the session does not count on the stateless route', async () => {
    const { agent } = await localUser('dana');
    await agent.get('/api/me').expect(401);
  });

  test('GET /api/app/me also requires the app ID: same client, another app is 401', async () => {
    await request(app).get('/api/app/me').set('Authorization', `Bearer ${token}`).expect(200);
    const otherApp = tokenFor(mork, { appID: 'amzn1.application.0123456789abcdef0123456789abcdef' });
    const res = await request(app).get('/api/app/me').set('Authorization', `Bearer ${otherApp}`).expect(401);
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    await request(app).get('/api/me').set('Authorization', `Bearer ${otherApp}`).expect(200);
  });

  test('the protection controls exist only against the emulator the verifiers talk to', async () => {
    const demo = (target: Express) => request(target).post('/demo/token').send({ kind: 'expired' });
    const offline = createApp(emulatorConfig(emu), ExampleDatabase.open(':memory:'), { emulator: emu });
    const elsewhere = createApp(
      { ...emulatorConfig(emu), mode: 'amazon', tokenInfoURL: undefined, profileURL: undefined },
      ExampleDatabase.open(':memory:'),
      { emulator: emu },
    );
    try {
      await demo(offline.app).expect(200);
      await demo(elsewhere.app).expect(404);
      expect((await request(elsewhere.app).get('/config.json')).body.protections).toBe(false);
    } finally {
      await Promise.all([offline.close(), elsewhere.close()]);
    }
  });

  test('without an app ID configured, /api/app/me is not there', async () => {
    const other = createApp({ ...emulatorConfig(emu), appID: undefined }, database);
    await request(other.app).get('/api/app/me').set('Authorization', `Bearer ${token}`).expect(404);
    expect((await request(other.app).get('/config.json').expect(200)).body.appRoute).toBe(false);
    await other.close();
  });
});

describe('local accounts and the page', () => {
  test('sign up, sign out, sign in; wrong password and taken username refused', async () => {
    const { agent, account } = await localUser('frank');
    expect(account).toEqual({ id: expect.any(String), name: 'frank Local', username: 'frank', amazon: [] });
    expect(JSON.stringify(await accounts.findById(account.id))).not.toContain('scrypt');
    await agent.post('/auth/signout').expect(204);
    expect(await session(agent)).toBeNull();
    await agent.post('/auth/local/signin').send({ username: 'frank', password: 'wrong password' }).expect(401);
    await agent.post('/auth/local/signin').send({ username: 'nobody', password: 'whatever-123' }).expect(401);
    const res = await agent
      .post('/auth/local/signin')
      .send({ username: 'FRANK', password: 'correct horse battery' })
      .expect(200);
    expect(res.body.account.id).toBe(account.id);
    const taken = await request(app)
      .post('/auth/local/signup')
      .send({ username: 'frank', password: 'another password', name: 'F' })
      .expect(409);
    expect(taken.body.error).toBe('username_taken');
  });

  test.each([
    ['a short username', { username: 'ab' }],
    ['a short password', { password: 'short' }],
    ['no name', { name: ' ' }],
    ['a bad e-mail', { email: 'not an address' }],
  ])('sign-up with %s: 400', async (_label, change) => {
    const res = await request(app)
      .post('/auth/local/signup')
      .send({ username: 'gina', password: 'long enough password', name: 'Gina', ...change })
      .expect(400);
    expect(res.body.error).toBe('invalid_input');
  });

  test('the page, its config, and no caching of API answers', async () => {
    const page = await request(app).get('/').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('<div id="amazon-root"></div>');
    await request(app)
      .get('/app.js')
      .expect(200)
      .expect('content-type', /javascript/);
    const config = await request(app).get('/config.json').expect(200);
    expect(config.body).toEqual({
      mode: 'emulator',
      clientID: DEMO_CLIENT_ID,
      sdkURL: emu.sdkURL,
      appRoute: true,
      protections: false, // no emulator given to createApp
    });
    expect(config.headers['cache-control']).toBe('no-store');
    await request(app).get('/api/nothing').expect(404, { error: 'not_found', message: 'No such route.' });
    // Any other unknown path is a page, with the way back, not Express's bare "Cannot GET".
    const unknown = await request(app).get('/nope').expect(404).expect('content-type', /html/);
    expect(unknown.text).toContain('<a href="/">Back to the example</a>');
  });

  test('password hashes are salted scrypt; only the right password matches', async () => {
    const [a, b] = await Promise.all([hashPassword('same'), hashPassword('same')]);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$[\w-]+\$[\w-]+$/);
    expect(await checkPassword('same', a)).toBe(true);
    expect(await checkPassword('Same', a)).toBe(false);
    expect(await checkPassword('same', undefined)).toBe(false);
  });
});
