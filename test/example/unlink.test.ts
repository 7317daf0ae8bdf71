/**
 * The example's unlinking (`POST /auth/amazon/unlink`) over HTTP (supertest), against the emulator:
 * an Amazon account comes off the signed-in account, unless it is not linked there or is that
 * account's last way to sign in; afterwards its token is a customer without an account here.
 */
import request from 'supertest';
import type { Express } from 'express';
import { LwaEmulator, type SignInCustomer } from '../../lib/testing';
import type { Account } from '../../example/accounts';
import { ExampleDatabase } from '../../example/database';
import { createApp } from '../../example/app';
import { DEMO_CLIENT_ID, emulatorConfig } from '../../example/config';
import { DEMO_CUSTOMERS } from '../../example/demo';

let emu: LwaEmulator;
let app: Express;
let closeApp: () => Promise<void>;
let ann: SignInCustomer, ben: SignInCustomer;

beforeAll(async () => {
  emu = await LwaEmulator.start({ customers: DEMO_CUSTOMERS });
  [, ann, ben] = emu.customers as [SignInCustomer, SignInCustomer, SignInCustomer];
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  ({ app, close: closeApp } = createApp(emulatorConfig(emu), ExampleDatabase.open(':memory:')));
});
afterEach(async () => {
  await closeApp();
});

const tokenFor = (customer: SignInCustomer) =>
  emu.mintToken({ clientID: DEMO_CLIENT_ID, userID: customer.userID, name: customer.name, email: customer.email });

const unlink = (agent: request.Agent | ReturnType<typeof request>, userID: unknown) =>
  agent.post('/auth/amazon/unlink').send({ userID });

const linkedIDs = (account: Account): string[] => account.amazon.map((link) => link.userID);

async function localUserLinkedTo(customer: SignInCustomer): Promise<request.Agent> {
  const agent = request.agent(app);
  await agent
    .post('/auth/local/signup')
    .send({ username: 'fay', password: 'correct horse battery', name: 'Fay Local' })
    .expect(201);
  await agent
    .post('/auth/amazon')
    .send({ access_token: tokenFor(customer) })
    .expect(200);
  return agent;
}

test('a local account unlinks its Amazon account; that token then has no account here (403)', async () => {
  const agent = await localUserLinkedTo(ann);
  const res = await unlink(agent, ann.userID).expect(200);
  expect(res.body.account).toMatchObject({ name: 'Fay Local', amazon: [] });
  expect((await agent.get('/api/session').expect(200)).body.account.amazon).toEqual([]);
  const api = await request(app)
    .get('/api/me')
    .set('Authorization', `Bearer ${tokenFor(ann)}`);
  expect(api.status).toBe(403);
  expect(api.body.error).toBe('no_account');
  // Free again: another account may link it now.
  const other = request.agent(app);
  await other
    .post('/auth/local/signup')
    .send({ username: 'gus', password: 'correct horse battery', name: 'Gus Local' })
    .expect(201);
  expect(
    (
      await other
        .post('/auth/amazon')
        .send({ access_token: tokenFor(ann) })
        .expect(200)
    ).body.outcome,
  ).toBe('linked');
});

test("an account's last way to sign in is not unlinked (409 last_sign_in); with a second link it is", async () => {
  const agent = request.agent(app);
  await agent
    .post('/auth/amazon')
    .send({ access_token: tokenFor(ann) })
    .expect(200); // created, Amazon only
  const refused = await unlink(agent, ann.userID).expect(409);
  expect(refused.body.error).toBe('last_sign_in');
  expect(linkedIDs((await agent.get('/api/session')).body.account as Account)).toEqual([ann.userID]);

  await agent
    .post('/auth/amazon')
    .send({ access_token: tokenFor(ben) })
    .expect(200); // linked
  const res = await unlink(agent, ann.userID).expect(200);
  expect(linkedIDs(res.body.account as Account)).toEqual([ben.userID]);
});

test('an Amazon account linked elsewhere, or to nobody: 404 not_linked, nothing changes', async () => {
  const owner = request.agent(app);
  await owner
    .post('/auth/amazon')
    .send({ access_token: tokenFor(ben) })
    .expect(200);
  const agent = await localUserLinkedTo(ann);
  expect((await unlink(agent, ben.userID).expect(404)).body.error).toBe('not_linked');
  expect((await unlink(agent, 'amzn1.account.NOBODY').expect(404)).body.error).toBe('not_linked');
  expect(linkedIDs((await owner.get('/api/session')).body.account as Account)).toEqual([ben.userID]);
});

test('the guards: signed out 401, no userID 400, not JSON 415, another origin 403', async () => {
  expect((await unlink(request(app), ann.userID).expect(401)).body.error).toBe('not_signed_in');
  const agent = await localUserLinkedTo(ann);
  expect((await unlink(agent, 42).expect(400)).body.error).toBe('invalid_input');
  await agent.post('/auth/amazon/unlink').type('form').send({ userID: ann.userID }).expect(415);
  await agent
    .post('/auth/amazon/unlink')
    .set('Origin', 'https://evil.example')
    .send({ userID: ann.userID })
    .expect(403);
  expect(linkedIDs((await agent.get('/api/session')).body.account as Account)).toEqual([ann.userID]);
});
