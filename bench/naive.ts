/**
 * The naive peer: what Amazon's sample code does. tokeninfo, check `aud`, then profile, one after
 * the other, each on a new connection (no keep-alive), no cache, no single flight.
 */
import { get, type IncomingMessage } from 'node:http';
import * as passportStrategy from 'passport-strategy';

interface Actions {
  success(user: unknown): void;
  fail(status?: number): void;
  error(err: unknown): void;
}
const Base = passportStrategy.Strategy as unknown as new () => Actions;

function getJson(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false, headers: { accept: 'application/json', ...headers } }, (res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(body) as Record<string, unknown> });
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
      res.on('error', reject);
    }).on('error', reject);
  });
}

export class NaiveStrategy extends Base {
  readonly name = 'amazon-token';

  constructor(
    private readonly clientID: string,
    private readonly tokenInfoURL: string,
    private readonly profileURL: string,
  ) {
    super();
  }

  authenticate(req: IncomingMessage & { query?: Record<string, unknown> }): void {
    const header = req.headers.authorization ?? '';
    const fromQuery = req.query?.access_token;
    const token = header.startsWith('Bearer ') ? header.slice(7) : typeof fromQuery === 'string' ? fromQuery : '';
    if (!token) return this.fail(401);
    void (async () => {
      const info = await getJson(`${this.tokenInfoURL}?access_token=${encodeURIComponent(token)}`);
      if (info.status !== 200 || info.json.aud !== this.clientID) return this.fail(401);
      const profile = await getJson(this.profileURL, { authorization: `bearer ${token}` });
      if (profile.status !== 200) return this.fail(401);
      this.success({ id: profile.json.user_id, name: profile.json.name });
    })().catch((err: unknown) => this.error(err));
  }
}
