/**
 * The example's linking rules (example/linking.ts) against its store, directly: the races a
 * database's unique index settles, which HTTP tests cannot line up on purpose.
 */
import type { AmazonProfile } from '../../lib';
import type { Account } from '../../example/accounts';
import { ExampleDatabase } from '../../example/database';
import { AccountError, signInOrLink } from '../../example/linking';
import { gatedStore } from './gated-store';

const profile = (id: string, name?: string, email?: string): AmazonProfile => ({
  provider: 'amazon',
  id,
  ...(name === undefined ? {} : { displayName: name }),
  ...(email === undefined ? {} : { emails: [{ value: email }] }),
  _raw: '{}',
  _json: {},
});

const gated = () => gatedStore(ExampleDatabase.open(':memory:').accounts);

test('two first sign-ins of one customer at once: one account, both signed in to it', async () => {
  const { store, release } = gated();
  const both = Promise.all([
    signInOrLink(store, { current: undefined, profile: profile('amzn1.account.A', 'Ann') }),
    signInOrLink(store, { current: undefined, profile: profile('amzn1.account.A', 'Ann') }),
  ]);
  release();
  const [a, b] = await both;
  expect([a.outcome, b.outcome].sort()).toEqual(['created', 'signed-in']);
  expect(a.account.id).toBe(b.account.id);
});

test('two accounts linking one customer at once: one wins, the other gets the 409', async () => {
  const { store, release } = gated();
  const dana = await store.create({ name: 'Dana', username: 'dana', passwordHash: 'x' });
  const erin = await store.create({ name: 'Erin', username: 'erin', passwordHash: 'x' });
  const results = Promise.allSettled([
    signInOrLink(store, { current: dana, profile: profile('amzn1.account.B', 'Ben') }),
    signInOrLink(store, { current: erin, profile: profile('amzn1.account.B', 'Ben') }),
  ]);
  release();
  const [first, second] = await results;
  expect(first).toMatchObject({ status: 'fulfilled', value: { outcome: 'linked', account: { id: dana.id } } });
  expect(second.status).toBe('rejected');
  const error = (second as PromiseRejectedResult).reason as AccountError;
  expect(error).toBeInstanceOf(AccountError);
  expect([error.status, error.code]).toEqual([409, 'amazon_linked_elsewhere']);
  expect(await store.findById(erin.id)).toMatchObject({ amazon: [] });
});

test('the store hands out copies: changing one does not change the account', async () => {
  const store = ExampleDatabase.open(':memory:').accounts;
  const account = await store.create({ name: 'Ann', amazon: { userID: 'amzn1.account.A' } });
  (account.amazon as Account['amazon'][number][]).push({ userID: 'amzn1.account.X', linkedAt: '' });
  expect((await store.findById(account.id))!.amazon).toHaveLength(1);
  expect(await store.findByAmazonId('amzn1.account.X')).toBeUndefined();
});

test('e-mail lookups ignore case and surrounding space; accounts without e-mail never match', async () => {
  const store = ExampleDatabase.open(':memory:').accounts;
  await store.create({ name: 'No mail' });
  const ann = await store.create({ name: 'Ann', email: ' Ann@Example.com' });
  expect((await store.findByEmail('ann@example.com')).map((a) => a.id)).toEqual([ann.id]);
});
