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

/** Gives the emulator's first customer an account, as if they had signed in before; returns that customer. */
export async function seedDemoAccounts(
  accounts: AccountStore,
  emulator: LwaEmulator,
): Promise<{ userID: string; name: string; email: string }> {
  const first = emulator.customers[0];
  await accounts.create({
    name: first.name,
    email: first.email,
    amazon: { userID: first.userID, name: first.name, email: first.email },
  });
  return first;
}
