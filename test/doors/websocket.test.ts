/**
 * docs/doors.md, "WebSocket upgrades (ws)": the HTTP server's 'upgrade' handler verifies before
 * accepting. The token comes as the subprotocols ['bearer', token] (what a browser can send) or as
 * the `access_token` query; a refusal is written as an HTTP response with its challenge and the
 * socket closed; an outage is a 502/503/504 response, never a 401. The recipe block below is the
 * document's, verbatim but for the package's import (test/doors/docs-match.test.ts checks).
 */

// recipe: WebSocket
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { LwaError, type AmazonProfile, type LwaVerifier, type LwaVerifierOptions } from '../../lib';

/** The token of a browser's `new WebSocket(url, ['bearer', token])` (it cannot set headers). */
export function bearerSubprotocol(req: IncomingMessage): string | undefined {
  const offered = req.headers['sec-websocket-protocol']?.split(',').map((p) => p.trim()) ?? [];
  const at = offered.indexOf('bearer');
  return at === -1 ? undefined : (offered[at + 1] ?? ''); // 'bearer' alone: an empty token, a 400
}

/** For `new LwaVerifier({ clientID, ...webSocketTokens })`: the subprotocol, or the `access_token` query. */
export const webSocketTokens = {
  tokenSources: ['query'],
  extractToken: bearerSubprotocol,
} satisfies Partial<LwaVerifierOptions>;

/** Verifies each upgrade before accepting it; an accepted socket carries its customer as `ws.user`. */
export function acceptVerifiedSockets(
  server: Server,
  verifier: LwaVerifier,
  onConnection: (ws: WebSocket & { user: AmazonProfile }) => void,
): WebSocketServer {
  // Only 'bearer' is echoed back: the token never appears in a response.
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => offered.has('bearer') && 'bearer' });
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const refuse = (status: number, headers = '') =>
      socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n${headers}\r\n`, () =>
        socket.destroy(),
      );
    verifier.verifyRequest(req).then(
      (result) =>
        result.ok
          ? wss.handleUpgrade(req, socket, head, (ws) => onConnection(Object.assign(ws, { user: result.profile })))
          : refuse(result.status, `WWW-Authenticate: ${result.challenge}\r\n`),
      (err) => refuse(err instanceof LwaError ? err.status : 500), // an outage: never a 401
    );
  });
  return wss;
}
// end of recipe

import { createServer, type IncomingHttpHeaders } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocket as Client } from 'ws';
import { LwaVerifier as Verifier, type LwaVerifierOptions as Options } from '../../lib';
import type { Fault } from '../../lib/testing';
import { CLIENT_ID, expectNoSliceOf, expectRefused, OTHER_CLIENT_ID, useEmulator } from '../support/fixture';

const lwa = useEmulator();

/** How a client's opening handshake ended. */
type Handshake =
  | { kind: 'open'; protocol: string; headers: IncomingHttpHeaders; first: unknown }
  | { kind: 'refused'; status: number; statusMessage: string; headers: IncomingHttpHeaders };

interface Door {
  url: string;
  /** Sockets the server accepted. */
  accepted: number;
  close(): Promise<void>;
}

const clients: Client[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) {
    client.on('error', () => undefined); // a refused client's request, already answered
    client.terminate();
  }
});

/** The recipe on a real HTTP server on an ephemeral loopback port; each accepted socket is sent its user. */
async function startDoor(options: Partial<Options> = {}): Promise<Door> {
  const verifier = new Verifier({
    clientID: CLIENT_ID,
    tokenInfoURL: lwa.emu.tokenInfoURL,
    profileURL: lwa.emu.profileURL,
    timeout: 2000,
    ...webSocketTokens,
    ...options,
  });
  const server = createServer((_req, res) => res.writeHead(426).end());
  const door: Door = { url: '', accepted: 0, close: async () => undefined };
  const wss = acceptVerifiedSockets(server, verifier, (ws) => {
    door.accepted += 1;
    ws.send(JSON.stringify({ user: { id: ws.user.id, name: ws.user.displayName } }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  door.url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/live`;
  door.close = async () => {
    wss.close();
    server.closeAllConnections();
    server.close();
    await verifier.close();
  };
  return door;
}

/** Opens a WebSocket and resolves with the handshake's end: open (with the first message) or refused. */
function connect(url: string, protocols?: string[]): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const client = new Client(url, protocols);
    clients.push(client);
    let headers: IncomingHttpHeaders = {};
    client.on('upgrade', (res) => {
      headers = res.headers;
    });
    client.on('unexpected-response', (req, res) => {
      resolve({
        kind: 'refused',
        status: res.statusCode ?? 0,
        statusMessage: res.statusMessage ?? '',
        headers: res.headers,
      });
      res.resume();
      req.destroy();
    });
    client.once('message', (data: Buffer) => {
      resolve({ kind: 'open', protocol: client.protocol, headers, first: JSON.parse(data.toString()) });
    });
    client.on('error', reject);
  });
}

/** A refused handshake as `expectRefused` reads a response. */
function refused(handshake: Handshake): { status: number; headers: IncomingHttpHeaders } {
  if (handshake.kind !== 'refused') throw new Error(`expected a refused handshake, got ${handshake.kind}`);
  return handshake;
}

describe('WebSocket upgrades verified before they are accepted', () => {
  let door: Door;
  beforeAll(async () => {
    door = await startDoor();
  });
  afterAll(() => door.close());

  test("subprotocols ['bearer', token]: open, only 'bearer' echoed, the user on the socket", async () => {
    const token = lwa.mint({ userID: 'amzn1.account.SOCKETUSER', name: 'Sol' });
    const handshake = await connect(door.url, ['bearer', token]);
    expect(handshake).toEqual({
      kind: 'open',
      protocol: 'bearer',
      headers: expect.objectContaining({ 'sec-websocket-protocol': 'bearer' }),
      first: { user: { id: 'amzn1.account.SOCKETUSER', name: 'Sol' } },
    });
    expectNoSliceOf(token, handshake);
    expect(lwa.emu.calls).toEqual({ tokeninfo: 1, profile: 1 });
  });

  test('the access_token query: open, the user on the socket', async () => {
    const handshake = await connect(`${door.url}?access_token=${encodeURIComponent(lwa.mint({ name: 'Quinn' }))}`);
    expect(handshake).toMatchObject({ kind: 'open', protocol: '', first: { user: { name: 'Quinn' } } });
  });

  test('no token: 401 Unauthorized with a bare challenge, no call to Amazon, no socket', async () => {
    const before = door.accepted;
    const handshake = refused(await connect(door.url));
    expect(handshake).toMatchObject({ status: 401, statusMessage: 'Unauthorized' });
    expectRefused(handshake, 401);
    expect(lwa.emu.calls).toEqual({ tokeninfo: 0, profile: 0 });
    expect(door.accepted).toBe(before);
  });

  test("other subprotocols without 'bearer': no token, 401", async () => {
    expectRefused(refused(await connect(door.url, ['chat.v2'])), 401);
  });

  test.each([
    {
      name: 'a token Amazon does not know',
      token: () => `Atza|${'q'.repeat(400)}`,
      status: 401,
      error: 'invalid_token',
    },
    { name: 'a revoked token', token: () => revoked(lwa.mint()), status: 401, error: 'invalid_token' },
    {
      name: 'a token issued to another app',
      token: () => lwa.emu.mintToken({ clientID: OTHER_CLIENT_ID }),
      status: 401,
      error: 'invalid_token',
    },
    {
      name: 'a token without the profile scope',
      token: () => lwa.mint({ scopes: [] }),
      status: 403,
      error: 'insufficient_scope',
    },
  ])('$name as the subprotocol: $status $error, the token nowhere in the answer', async ({ token, status, error }) => {
    const secret = token();
    const handshake = refused(await connect(door.url, ['bearer', secret]));
    expectRefused(handshake, status, error);
    expectNoSliceOf(secret, handshake);
  });

  test("'bearer' with no token after it: 400 invalid_request, no call to Amazon", async () => {
    expectRefused(refused(await connect(door.url, ['bearer'])), 400, 'invalid_request');
    expect(lwa.emu.calls).toEqual({ tokeninfo: 0, profile: 0 });
  });

  test('a token both as the subprotocol and in the query: 400 invalid_request', async () => {
    const token = lwa.mint();
    const handshake = refused(await connect(`${door.url}?access_token=${token}`, ['bearer', token]));
    expectRefused(handshake, 400, 'invalid_request');
  });

  test('an Authorization header is not a source here (tokenSources: query): 401', async () => {
    const client = new Client(door.url, { headers: { Authorization: `Bearer ${lwa.mint()}` } });
    clients.push(client);
    const [, res] = (await once(client, 'unexpected-response')) as [unknown, { statusCode: number }];
    expect(res.statusCode).toBe(401);
  });
});

describe('Amazon down during an upgrade: 502, 503 or 504, never a 401', () => {
  let door: Door;
  beforeAll(async () => {
    // A short deadline for the hang; no circuit breaker, so each row meets Amazon's own fault.
    door = await startDoor({ timeout: 300, circuitBreaker: false });
  });
  afterAll(() => door.close());

  test.each<{ name: string; fault: Fault; status: number; statusMessage: string }>([
    {
      name: 'tokeninfo answers 500',
      fault: { kind: 'status', status: 500 },
      status: 502,
      statusMessage: 'Bad Gateway',
    },
    {
      name: 'tokeninfo answers 429',
      fault: { kind: 'rate-limit', retryAfter: 30 },
      status: 503,
      statusMessage: 'Service Unavailable',
    },
    { name: 'Amazon hangs', fault: { kind: 'hang' }, status: 504, statusMessage: 'Gateway Timeout' },
  ])('$name: $status $statusMessage, no challenge', async ({ fault, status, statusMessage }) => {
    lwa.emu.fault('both', fault);
    const handshake = refused(await connect(door.url, ['bearer', lwa.mint()]));
    expect(handshake).toMatchObject({ status, statusMessage });
    expect(handshake.headers['www-authenticate']).toBeUndefined();
    expect(door.accepted).toBe(0);
  });
});

function revoked(token: string): string {
  lwa.emu.revoke(token);
  return token;
}
