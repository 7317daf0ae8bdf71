/**
 * The example app: sign in with Amazon, account linking, a stateless API.
 *
 *   npm run example            # offline: the LWA emulator starts beside the app (no Amazon account, no network)
 *   AMAZON_CLIENT_ID=amzn1.application-oa2-client.… [AMAZON_REGION=EU] [AMAZON_APP_ID=amzn1.application.…] npm run example
 *
 * Other settings: PORT (default 3000; 0 = any free port), HOST (default 127.0.0.1), DATA_DIR (the
 * database's folder, default example/data/), SESSION_SECRET, TRUST_PROXY=1 behind a TLS-terminating proxy. Against Amazon, the page's origin must be among the
 * security profile's Allowed Origins and served over HTTPS.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { LwaEmulator } from '../lib/testing';
import { createApp } from './app';
import { DEMO_CLIENT_ID, amazonConfig, emulatorConfig } from './config';
import { ExampleDatabase } from './database';
import { DEMO_CUSTOMERS, seedDemoAccounts } from './demo';

/** Where the database is kept unless `DATA_DIR` says otherwise (git-ignored). */
export const DEFAULT_DATA_DIR = path.join(__dirname, 'data');

export interface RunningExample {
  /** Where the page is, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  /** The emulator, when running offline. */
  readonly emulator: LwaEmulator | undefined;
  close(): Promise<void>;
}

/** Starts the example (and, without `AMAZON_CLIENT_ID`, the emulator) and prints how to use it. */
export async function startExample(
  env: NodeJS.ProcessEnv = process.env,
  log: (line: string) => void = console.log,
): Promise<RunningExample> {
  const offline = !env.AMAZON_CLIENT_ID;
  const emulator = offline ? await LwaEmulator.start({ customers: DEMO_CUSTOMERS }) : undefined;
  let database: ExampleDatabase | undefined;
  try {
    database = ExampleDatabase.open(env.DATA_DIR || DEFAULT_DATA_DIR);
    const settings = { ...env, SESSION_SECRET: database.sessionSecret(env.SESSION_SECRET) };
    const config = emulator === undefined ? amazonConfig(settings) : emulatorConfig(emulator, settings);
    const seeded = emulator === undefined ? undefined : await seedDemoAccounts(database.accounts, emulator);
    const example = createApp(config, database, { emulator, log });
    const server = await listen(example.app, Number(env.PORT ?? 3000), env.HOST || '127.0.0.1').catch(
      async (err: unknown) => {
        await example.close();
        throw err;
      },
    );
    const { address, port } = server.address() as AddressInfo;
    const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;

    log(`Example app: ${url}  (open it in a browser)`);
    log(`Accounts and sessions: ${database.file}`);
    if (emulator !== undefined && seeded !== undefined) {
      log(`Login with Amazon emulator: ${emulator.url}  (no Amazon account, no network)`);
      log(
        `  its sign-in page offers ${emulator.customers.map((c) => c.name).join(', ')}; ${seeded.withAccount.join(', ')} already ${seeded.withAccount.length === 1 ? 'has an account' : 'have accounts'}`,
      );
      const token = emulator.mintToken({
        clientID: DEMO_CLIENT_ID,
        userID: seeded.userID,
        name: seeded.name,
        email: seeded.email,
      });
      log(`The stateless API, with a token the emulator just minted for ${seeded.name}:`);
      log(`  curl -s -H 'Authorization: Bearer ${token}' ${url}/api/me`);
    } else {
      log(`Talking to Amazon (region ${config.region}) for client ${config.clientID}.`);
      log(`  Amazon's SDK needs this page's origin among the security profile's Allowed Origins, over HTTPS.`);
      log(`  curl -s -H 'Authorization: Bearer <an access token>' ${url}/api/me`);
      if (config.appID === undefined)
        log('  (set AMAZON_APP_ID to enable GET /api/app/me, which also checks the app ID)');
    }

    let closing: Promise<void> | undefined;
    return {
      url,
      emulator,
      close: () =>
        (closing ??= (async () => {
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
          await example.close();
          database?.close();
          await emulator?.close();
        })()),
    };
  } catch (err) {
    database?.close();
    await emulator?.close();
    throw err;
  }
}

function listen(app: RequestListener, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(app).listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`Port ${port} on ${host} is in use: set PORT to another (0 picks a free one).`)
          : err,
      );
    });
  });
}

if (require.main === module) {
  startExample().then(
    (running) => {
      const stop = (): void => {
        void running.close();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
