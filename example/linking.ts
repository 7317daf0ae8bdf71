/**
 * Account linking: what an Amazon sign-in means for the app's accounts. The Amazon `user_id`
 * (`profile.id`) is the only key; e-mail addresses never decide anything on their own.
 *
 * | who asks                         | Amazon customer is…          | result                          |
 * |----------------------------------|------------------------------|---------------------------------|
 * | nobody signed in                 | linked to account A          | signed in to A                  |
 * | nobody signed in                 | unknown, e-mail unused       | new account, linked             |
 * | nobody signed in                 | unknown, e-mail on account B | 409 `email_in_use`: the person  |
 * |                                  |                              | signs in to B and links there,  |
 * |                                  |                              | or confirms a separate account  |
 * | signed in to A                   | unknown                      | linked to A                     |
 * | signed in to A                   | linked to A                  | nothing to do                   |
 * | signed in to A                   | linked to account B          | 409 `amazon_linked_elsewhere`   |
 */
import type { AmazonProfile } from '../lib';
import { DuplicateError, type Account, type AccountStore, type AmazonLink } from './accounts';

/** What happened, for the page to say so. */
export type LinkOutcome = 'signed-in' | 'created' | 'linked' | 'already-linked';

/** A refusal the person can act on; the error handler answers `status` with `{ error: code, message }`. */
export class AccountError extends Error {
  constructor(
    readonly status: number,
    readonly code: 'amazon_linked_elsewhere' | 'email_in_use' | 'no_account',
    message: string,
  ) {
    super(message);
    this.name = 'AccountError';
  }
}

export interface LinkRequest {
  /** The account signed in (the session), if any. */
  current: Account | undefined;
  profile: AmazonProfile;
  /** The person confirmed they want a new account although one with their e-mail exists. */
  createAccount?: boolean;
}

/** Signs in, creates or links, by the table above. Rejects with {@link AccountError} for a 409. */
export async function signInOrLink(
  store: AccountStore,
  request: LinkRequest,
): Promise<{ account: Account; outcome: LinkOutcome }> {
  const { current, profile } = request;
  const link = linkOf(profile);
  const owner = await store.findByAmazonId(profile.id);

  if (current !== undefined) {
    if (owner?.id === current.id) return { account: owner, outcome: 'already-linked' };
    if (owner !== undefined) throw linkedElsewhere(profile);
    const result = await store.linkAmazon(current.id, link);
    // Another request linked it in the meantime: the store's unique index decided.
    if (!result.ok) throw linkedElsewhere(profile);
    return { account: result.account, outcome: 'linked' };
  }

  if (owner !== undefined) return { account: owner, outcome: 'signed-in' };

  // An unknown customer. If their e-mail is on an account, that may be theirs, or someone may have
  // signed up with an address they do not own (account pre-hijacking): only the person can say,
  // by signing in to that account (and linking from there) or by confirming a separate account.
  const email = profile.emails?.[0]?.value;
  if (email !== undefined && request.createAccount !== true && (await store.findByEmail(email)).length > 0) {
    throw new AccountError(
      409,
      'email_in_use',
      `An account with the e-mail address ${email} already exists. If it is yours, sign in to it and link your Amazon account from there; otherwise create a separate account.`,
    );
  }
  try {
    const account = await store.create({
      name: profile.displayName ?? 'Amazon customer',
      ...(email === undefined ? {} : { email }),
      amazon: link,
    });
    return { account, outcome: 'created' };
  } catch (err) {
    // Two first sign-ins of one customer at once: the other request created the account.
    const winner = err instanceof DuplicateError ? await store.findByAmazonId(profile.id) : undefined;
    if (winner === undefined) throw err;
    return { account: winner, outcome: 'signed-in' };
  }
}

function linkOf(profile: AmazonProfile): Omit<AmazonLink, 'linkedAt'> {
  const email = profile.emails?.[0]?.value;
  return {
    userID: profile.id,
    ...(profile.displayName === undefined ? {} : { name: profile.displayName }),
    ...(email === undefined ? {} : { email }),
  };
}

function linkedElsewhere(profile: AmazonProfile): AccountError {
  const who =
    profile.displayName === undefined ? 'This Amazon account' : `The Amazon account of ${profile.displayName}`;
  return new AccountError(
    409,
    'amazon_linked_elsewhere',
    `${who} is already linked to another account, so it was not linked to yours. Sign in with it to use that account.`,
  );
}
