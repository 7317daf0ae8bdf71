/** The offline demo: the emulator's customers, and the one account that exists at start. */
import type { EmulatorCustomer, LwaEmulator } from '../lib/testing';
import type { AccountStore } from './accounts';

/** Whom the emulator's sign-in page offers. Mork (Amazon's sample customer) already has an account. */
export const DEMO_CUSTOMERS: readonly EmulatorCustomer[] = [
  { name: 'Mork Hashimoto', email: 'mork.hashimoto@example.com' },
  { name: 'Ann Example', email: 'ann@example.com' },
  { name: 'Ben Example', email: 'ben@example.com' },
  { name: 'Chloe Example', email: 'chloe@example.com' },
];

/**
 * Gives the emulator's first customer an account, as if they had signed in before, unless the
 * database has one already (from an earlier start); returns them and the customers with an account.
 */
export async function seedDemoAccounts(
  accounts: AccountStore,
  emulator: LwaEmulator,
): Promise<{ userID: string; name: string; email: string; withAccount: string[] }> {
  const first = emulator.customers[0];
  if ((await accounts.findByAmazonId(first.userID)) === undefined) {
    await accounts.create({
      name: first.name,
      email: first.email,
      amazon: { userID: first.userID, name: first.name, email: first.email },
    });
  }
  const withAccount: string[] = [];
  for (const customer of emulator.customers)
    if ((await accounts.findByAmazonId(customer.userID)) !== undefined) withAccount.push(customer.name);
  return { ...first, withAccount };
}
