import { REFUSAL_WINDOW, SERIAL_REFUSALS } from '../defaults';

/**
 * Tokeninfo's last {@link REFUSAL_WINDOW} answers, refused or accepted (outages say nothing about
 * the tokens and are not counted). {@link flooded} while at least {@link SERIAL_REFUSALS} of them
 * were refusals: what arrives is junk, and the profile is better asked only for a token tokeninfo
 * accepts.
 */
export class RecentRefusals {
  private readonly refused: boolean[] = [];
  private next = 0;
  private count = 0;

  /** Records one answer of tokeninfo. */
  record(refused: boolean): void {
    if (this.refused.length < REFUSAL_WINDOW) this.refused.push(refused);
    else {
      if (this.refused[this.next]) this.count -= 1;
      this.refused[this.next] = refused;
    }
    if (refused) this.count += 1;
    this.next = (this.next + 1) % REFUSAL_WINDOW;
  }

  /** Whether refusals dominate the recent answers. */
  get flooded(): boolean {
    return this.count >= SERIAL_REFUSALS;
  }
}
