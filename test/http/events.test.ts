/**
 * The outcome events on `passport-lwa-token:outcome` (docs/design.md, Outcomes: "Events"): one per
 * authentication, over HTTP. Cache events: test/http/cache.test.ts; upstream events:
 * test/unit/retry.test.ts.
 */
import request from 'supertest';
import { CHANNELS, type ChannelMessages } from '../../lib';
import { OTHER_CLIENT_ID, recordEvents, useEmulator, getMe } from '../support/fixture';

const lwa = useEmulator();

describe('outcome events (passport-lwa-token:outcome)', () => {
  const events = recordEvents<ChannelMessages['outcome']>(CHANNELS.outcome);

  test('one event per authentication: success, each kind of refusal, and an outage', async () => {
    const { app, strategy } = lwa.app();
    await request(app).get('/api/me').query({ access_token: lwa.mint() });
    await request(app).get('/api/me');
    await getMe(app, lwa.emu.mintToken({ clientID: OTHER_CLIENT_ID }));
    lwa.emu.fault('tokeninfo', { kind: 'status', status: 500 });
    await request(app).post('/api/me').send({ access_token: lwa.mint() });
    expect(events).toEqual([
      { outcome: 'success', status: 200, origin: 'query' },
      { outcome: 'fail', status: 401, reason: 'no_token' },
      { outcome: 'fail', status: 401, reason: 'audience_mismatch', origin: 'authorization' },
      { outcome: 'error', status: 502, code: 'ERR_LWA_UPSTREAM_STATUS', origin: 'body' },
    ]);
    await strategy.close();
  });
});
