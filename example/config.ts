/** The example's settings: from the environment (real Amazon) or from a running emulator. */
import { randomBytes } from 'node:crypto';
import type { LwaRegion } from '../lib';
import type { LwaEmulator } from '../lib/testing';

/** Amazon's SDK for JavaScript, as Amazon's pages load it. */
export const AMAZON_SDK_URL = 'https://assets.loginwithamazon.com/sdk/na/login1.js';

/** The client ID the emulator's tokens are issued to. */
export const DEMO_CLIENT_ID = 'amzn1.application-oa2-client.example';

export interface ExampleConfig {
  /** `'emulator'`: no Amazon account, no network. `'amazon'`: the real thing. */
  readonly mode: 'emulator' | 'amazon';
  /** The security profile's client ID: tokens for any other client are refused. */
  readonly clientID: string;
  /** The app ID `GET /api/app/me` also requires; without one that route is not mounted. */
  readonly appID: string | undefined;
  readonly region: LwaRegion;
  /** The emulator's endpoints; for Amazon, the region decides. */
  readonly tokenInfoURL?: string;
  readonly profileURL?: string;
  /** Where the page loads the Login with Amazon SDK from. */
  readonly sdkURL: string;
  /** Signs the session cookie. */
  readonly sessionSecret: string;
  /** Behind a TLS-terminating proxy: trust its `X-Forwarded-*` (secure cookies, `req.protocol`). */
  readonly trustProxy: boolean;
}

const REGIONS: readonly LwaRegion[] = ['NA', 'EU', 'FE'];

/** Real Amazon: `AMAZON_CLIENT_ID` (required), `AMAZON_REGION`, `AMAZON_APP_ID`, `SESSION_SECRET`, `TRUST_PROXY`. */
export function amazonConfig(env: NodeJS.ProcessEnv): ExampleConfig {
  const clientID = env.AMAZON_CLIENT_ID?.trim();
  if (!clientID) throw new Error('AMAZON_CLIENT_ID is not set');
  const region = (env.AMAZON_REGION?.trim().toUpperCase() || 'NA') as LwaRegion;
  if (!REGIONS.includes(region)) throw new Error(`AMAZON_REGION must be one of ${REGIONS.join(', ')}`);
  return {
    mode: 'amazon',
    clientID,
    appID: env.AMAZON_APP_ID?.trim() || undefined,
    region,
    sdkURL: AMAZON_SDK_URL,
    sessionSecret: env.SESSION_SECRET || randomBytes(32).toString('base64url'),
    trustProxy: env.TRUST_PROXY === '1' || env.TRUST_PROXY === 'true',
  };
}

/** Everything pointed at `emulator` (started with `customers`, so it has a sign-in page). */
export function emulatorConfig(emulator: LwaEmulator, env: NodeJS.ProcessEnv = {}): ExampleConfig {
  return {
    mode: 'emulator',
    clientID: DEMO_CLIENT_ID,
    appID: emulator.appIdOf(DEMO_CLIENT_ID),
    region: 'NA',
    tokenInfoURL: emulator.tokenInfoURL,
    profileURL: emulator.profileURL,
    sdkURL: emulator.sdkURL,
    sessionSecret: env.SESSION_SECRET || randomBytes(32).toString('base64url'),
    trustProxy: false,
  };
}
