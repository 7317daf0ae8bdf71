/** The LWA emulator of one test file (lib/testing, on loopback: tests never mock fetch), its tokens, the strategy and app pointed at it, and Amazon answers that refuse a token. */
import type { Express } from 'express';
import { LwaVerifier, Strategy, type LwaVerifierOptions, type StrategyOptions, type VerifyFunction } from '../../lib';
import { LwaEmulator, type EmulatorOptions, type Fault, type MintOptions } from '../../lib/testing';
import { acceptAll, mount, type MountOptions, type TestUser } from './app';

/** The client the test apps accept tokens for. */
export const CLIENT_ID = 'amzn1.application-oa2-client.test';
/** Another client: its tokens are refused for their audience. */
export const OTHER_CLIENT_ID = 'amzn1.application-oa2-client.other';

/** The emulator of one test file, and what a test makes with it. */
export interface EmulatorFixture {
  /** The running emulator (from `beforeAll` on). */
  readonly emu: LwaEmulator;
  /** A token for {@link CLIENT_ID}, with the sample customer unless `extra` says otherwise. */
  mint(extra?: Partial<MintOptions>): string;
  /** A strategy pointed at the emulator (`timeout` 2000 ms, other options as given), closed after the test file. */
  strategy(options?: Partial<StrategyOptions>, verify?: VerifyFunction<TestUser>): Strategy<TestUser>;
  /** An `LwaVerifier` pointed at the emulator (`timeout` 2000 ms, other options as given), closed after the test file. */
  verifier<TRequest = unknown>(options?: Partial<LwaVerifierOptions<TRequest>>): LwaVerifier<TRequest>;
  /** {@link EmulatorFixture.strategy} on the test app ({@link mount}). */
  app(
    options?: Partial<StrategyOptions>,
    verify?: VerifyFunction<TestUser>,
    mountOptions?: MountOptions,
  ): { app: Express; strategy: Strategy<TestUser> };
}

/**
 * One emulator for a test file: started before its tests, closed after them (with every strategy
 * `strategy()` or `app()` made), faults and counters reset before each test.
 */
export function useEmulator(options?: EmulatorOptions): EmulatorFixture {
  let running: LwaEmulator | undefined;
  const closing: Array<{ close(): Promise<void> }> = [];
  beforeAll(async () => {
    running = await LwaEmulator.start(options);
  });
  afterAll(async () => {
    // allSettled: a test may have closed its strategy already, and a second close() rejects.
    await Promise.allSettled(closing.map((s) => s.close()));
    await running?.close();
  });
  beforeEach(() => {
    running?.clearFaults();
    running?.resetCalls();
  });
  const fixture: EmulatorFixture = {
    get emu() {
      if (running === undefined) throw new Error('the emulator starts in beforeAll: use it inside a test or hook');
      return running;
    },
    mint: (extra = {}) => fixture.emu.mintToken({ clientID: CLIENT_ID, ...extra }),
    strategy: (strategyOptions = {}, verify = acceptAll) => {
      const { emu } = fixture;
      const strategy = new Strategy<TestUser>(
        {
          clientID: CLIENT_ID,
          tokenInfoURL: emu.tokenInfoURL,
          profileURL: emu.profileURL,
          timeout: 2000,
          ...strategyOptions,
        },
        verify,
      );
      closing.push(strategy);
      return strategy;
    },
    verifier: <TRequest>(verifierOptions: Partial<LwaVerifierOptions<TRequest>> = {}) => {
      const { emu } = fixture;
      const verifier = new LwaVerifier<TRequest>({
        clientID: CLIENT_ID,
        tokenInfoURL: emu.tokenInfoURL,
        profileURL: emu.profileURL,
        timeout: 2000,
        ...verifierOptions,
      });
      closing.push(verifier);
      return verifier;
    },
    app: (strategyOptions, verify, mountOptions) => {
      const strategy = fixture.strategy(strategyOptions, verify);
      return { app: mount(strategy, mountOptions), strategy };
    },
  };
  return fixture;
}

/** A fault that answers 200 with `body` as `contentType`: an answer of Amazon's shape, or not. */
export const json200 = (body: string, contentType = 'application/json'): Fault => ({
  kind: 'status',
  status: 200,
  body,
  contentType,
});

/** Tokeninfo refusing the token with a 200 whose `error` is a string: a refusal, 401. */
export const TOKENINFO_SAYS_INVALID = json200('{"error":"invalid_token"}');

/** A profile of another customer than the one tokeninfo names: a refusal (`user_id_mismatch`), 401. */
export const PROFILE_OF_SOMEONE_ELSE = json200('{"user_id":"amzn1.account.SOMEONEELSE"}');
