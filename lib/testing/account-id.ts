import { createHash, randomBytes } from 'node:crypto';

/** Amazon's customer ids: `amzn1.account.` and 28 characters from this alphabet. */
const PREFIX = 'amzn1.account.';
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const ID_CHARS = 28;
/** The largest multiple of the alphabet's size that fits a byte: bytes at or above it are skipped. */
const UNBIASED_LIMIT = 256 - (256 % ALPHABET.length);

/** A fresh customer id, every character equally likely. */
export function randomAccountId(): string {
  let id = '';
  while (id.length < ID_CHARS) {
    for (const byte of randomBytes(ID_CHARS)) {
      if (byte < UNBIASED_LIMIT && id.length < ID_CHARS) id += ALPHABET[byte % ALPHABET.length];
    }
  }
  return PREFIX + id;
}

/** A customer id derived from an e-mail address, so a seeded customer keeps its id across runs. */
export function accountIdFor(email: string): string {
  const digest = createHash('sha256').update(`lwa-emulator:${email.toLowerCase()}`).digest();
  let id = '';
  for (let i = 0; id.length < ID_CHARS; i += 1) id += ALPHABET[digest[i % digest.length] % ALPHABET.length];
  return PREFIX + id;
}
