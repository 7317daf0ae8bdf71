/**
 * The example's SQLite file (example/database.ts) over HTTP: two accounts race to link one Amazon
 * customer, both past the app's own look-up, so that only the database's unique index can decide;
 * then the example restarts on the same file and everything (the link, both sessions) is still there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { LwaEmulator, type SignInCustomer } from '../../lib/testing';
import { createApp, type ExampleApp, type ExampleStores } from '../../example/app';
import { DEMO_CLIENT_ID, emulatorConfig } from '../../example/config';
import { ExampleDatabase } from '../../example/database';
import { DEMO_CUSTOMERS } from '../../example/demo';
import { gatedStore } from './gated-store';

let emu: LwaEmulator;
let ben: SignInCustomer;
let dataDir: string;
const running: Array<{ example: ExampleApp; database: ExampleDatabase }> = [];

beforeAll(async () => {
  emu = await LwaEmulator.start({ customers: DEMO_CUSTOMERS });
  ben = emu.customers[2];
  dataDir = mkdtempSync(path.join(tmpdir(), 'example-db-'));
});
afterAll(async () => {
  await stop();
  await emu.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Starts the example on the data folder, as `npm run example` does (its session secret is in the file). */
function start(stores?: (database: ExampleDatabase) => ExampleStores): ExampleApp['app'] {
  const database = ExampleDatabase.open(dataDir);
  const config = emulatorConfig(emu, { SESSION_SECRET: database.sessionSecret(undefined) });
  const example = createApp(config, stores?.(database) ?? database, { log: () => undefined });
  running.push({ example, database });
  return example.app;
}

async function stop(): Promise<void> {
  for (const { example, database } of running.splice(0)) {
    await example.close();
    database.close();
  }
}

const benToken = () =>
  emu.mintToken({ clientID: DEMO_CLIENT_ID, userID: ben.userID, name: ben.name, email: ben.email });

test('two accounts link one Amazon customer at once: the unique index lets one win, the other gets the 409; a restart keeps it all', async () => {
  let gate!: ReturnType<typeof gatedStore>;
  let app = start((database) => {
    gate = gatedStore(database.accounts);
    return { accounts: gate.store, sessions: database.sessions };
  });
  const signUp = async (username: string): Promise<string> => {
    const res = await request(app)
      .post('/auth/local/signup')
      .send({ username, password: 'correct horse battery', name: `${username} Local` })
      .expect(201);
    return res.headers['set-cookie'][0].split(';')[0];
  };
  const cookies: Record<'dana' | 'erin', string> = { dana: await signUp('dana'), erin: await signUp('erin') };

  const link = (cookie: string) =>
    request(app).post('/auth/amazon').set('Cookie', cookie).send({ access_token: benToken() });
  const racing = Promise.all([link(cookies.dana), link(cookies.erin)]);
  // Both requests have looked Ben up and found him unlinked: only the database can refuse one now.
  await gate.held(2);
  gate.release();
  const answers = await racing;
  expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
  const lost = answers.find((r) => r.status === 409)!;
  expect(lost.body).toMatchObject({ error: 'amazon_linked_elsewhere' });
  const winner = answers[0].status === 200 ? 'dana' : 'erin';
  const loser = winner === 'dana' ? 'erin' : 'dana';
  // Signing in (linking included) gives the session a new ID, against session fixation.
  cookies[winner] = answers.find((r) => r.status === 200)!.headers['set-cookie'][0].split(';')[0];

  // A restart of the example on the same file.
  await stop();
  app = start();
  const session = async (who: keyof typeof cookies) =>
    (await request(app).get('/api/session').set('Cookie', cookies[who]).expect(200)).body as {
      account: { username: string; amazon: Array<{ userID: string }> } | null;
    };
  // Both still signed in (the sessions are in the file), the link where the database put it.
  expect(await session(winner)).toMatchObject({ account: { username: winner, amazon: [{ userID: ben.userID }] } });
  expect(await session(loser)).toMatchObject({ account: { username: loser, amazon: [] } });
  const me = await request(app).get('/api/me').set('Authorization', `Bearer ${benToken()}`).expect(200);
  expect(me.body.account.username).toBe(winner);
  // And the loser still cannot take Ben.
  await request(app).post('/auth/amazon').set('Cookie', cookies[loser]).send({ access_token: benToken() }).expect(409);
});

test('a username belongs to one account: the unique index refuses the same name in other case', async () => {
  const database = ExampleDatabase.open(':memory:');
  await database.accounts.create({ name: 'Fay', username: 'fay', passwordHash: 'x' });
  await expect(database.accounts.create({ name: 'Fay 2', username: 'FAY', passwordHash: 'x' })).rejects.toMatchObject({
    name: 'DuplicateError',
    field: 'username',
  });
  database.close();
});
