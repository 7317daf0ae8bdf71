/**
 * Memory: 200,000 distinct tokens through Strategy.authenticate with `cache: { max: 10_000 }`.
 * Amazon is played by an undici MockAgent (the strategy's `dispatcher` option): the whole strategy
 * runs (client, parsing, cache, verify), with no sockets, so 200,000 tokens take seconds.
 * Run with --expose-gc; answers `run` with the heap after GC at each checkpoint.
 */
import { MockAgent } from 'undici';
import { Strategy } from '../lib';
import { serve } from './ipc';

const CLIENT_ID = 'amzn1.application-oa2-client.bench';
const JSON_TYPE = { headers: { 'content-type': 'application/json' } };
const userOf = (token: string): string =>
  `amzn1.account.${token
    .slice(5, 33)
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, 'X')}`;

function amazon(): MockAgent {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const pool = agent.get('https://api.amazon.com');
  pool
    .intercept({ path: (path: string) => path.startsWith('/auth/o2/tokeninfo'), method: 'GET' })
    .reply(
      200,
      ({ headers }) => {
        const token = String((headers as Record<string, string>)['x-amz-access-token']);
        return {
          iss: 'https://www.amazon.com',
          user_id: userOf(token),
          aud: CLIENT_ID,
          app_id: 'amzn1.application.bench',
          exp: 3600,
          iat: 1,
        };
      },
      JSON_TYPE,
    )
    .persist();
  pool
    .intercept({ path: '/user/profile', method: 'GET' })
    .reply(
      200,
      ({ headers }) => {
        const token = String((headers as Record<string, string>).authorization).slice('Bearer '.length);
        return { user_id: userOf(token), name: 'Mork Hashimoto', email: 'mork@example.com', postal_code: '98052' };
      },
      JSON_TYPE,
    )
    .persist();
  return agent;
}

// A realistic length (Amazon's are ~400 characters), distinct by their first characters.
const FILLER = 'IwEBIA'.repeat(70);
const tokenOf = (i: number): string => `Atza|${i.toString(36).padStart(10, '0')}${FILLER}`;

/** Does what Passport's middleware does: a per-request copy of the strategy with the actions bound. */
function authenticate(strategy: Strategy, token: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const attempt = Object.create(strategy) as Strategy &
      Record<'success' | 'fail' | 'error', (...a: unknown[]) => void>;
    attempt.success = () => resolve();
    attempt.fail = (_challenge, status) => reject(new Error(`refused (${String(status)})`));
    attempt.error = (err) => reject(err instanceof Error ? err : new Error(String(err)));
    attempt.authenticate({ headers: { authorization: `Bearer ${token}` }, query: {} } as never);
  });
}

const gc = (globalThis as { gc?: () => void }).gc;
const heap = (): number => {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
};

serve(async (type, args) => {
  if (type !== 'run') throw new Error(`unknown request ${type}`);
  if (!gc) throw new Error('run with --expose-gc');
  const max = Number(args.max);
  const checkpoints = args.checkpoints as number[];
  const strategy = new Strategy({ clientID: CLIENT_ID, dispatcher: amazon(), cache: { max } }, async (_t, profile) => ({
    id: profile.id,
  }));
  await authenticate(strategy, tokenOf(0));
  const samples: Array<{ tokens: number; heapUsed: number }> = [{ tokens: 1, heapUsed: heap() }];
  let next = 1;
  for (const target of checkpoints) {
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < target) await authenticate(strategy, tokenOf(next++));
      }),
    );
    samples.push({ tokens: target, heapUsed: heap() });
  }
  return samples;
});
