import type { Need, Verdict } from '../amazon/amazon-verifier';

/**
 * Whether a kept verdict answers a verification that needs `need`. One key holds a token's verdict
 * whichever route made it, so:
 * - a profile-free verdict (tokeninfo alone) never answers a verification that needs the profile:
 *   that is a miss, and the full verdict Amazon then gives replaces it;
 * - Amazon's `insufficient_scope` refusal is about the profile, so it never refuses a verification
 *   that needs only tokeninfo.
 * Every other verdict answers both.
 */
export function serves(verdict: Verdict, need: Need): boolean {
  if (verdict.ok) return need === 'id' || verdict.verified.profileFree !== true;
  return need === 'profile' || verdict.refusal.reason !== 'insufficient_scope';
}
