import { STATUS_CODES } from 'node:http';

/**
 * The parts of a Fastify request that `@fastify/passport`'s `initialize()` plugin adds and this
 * callback uses. Described here rather than imported so the package needs neither `fastify` nor
 * `@fastify/passport` to load or type-check.
 */
export interface FastifyPassportRequest {
  /** Sets `request.user`. */
  logIn(user: unknown, options: { session: false }): Promise<void>;
  /** What `verify` passed as `info`, with `tokenInfo`, after the app's transformers. */
  authInfo?: unknown;
  /** `@fastify/passport`'s instance, for its auth-info transformers. */
  passport: {
    /** Runs the app's `registerAuthInfoTransformer` functions on `info`. */
    transformAuthInfo(info: unknown, request: FastifyPassportRequest): Promise<unknown>;
  };
}

/** The parts of a Fastify reply this callback uses. */
export interface FastifyReplyLike {
  /** Sets the status. */
  code(statusCode: number): FastifyReplyLike;
  /** Sets a header (`WWW-Authenticate`). */
  header(name: string, value: string): FastifyReplyLike;
  /** Sends the answer. */
  send(payload?: string): FastifyReplyLike;
  /** Fastify's reply is thenable: it settles once the response has been sent. */
  then(onSent: () => void, onError: (err: Error) => void): void;
}

/**
 * A callback for `@fastify/passport`'s `authenticate('amazon-token', options, callback)` that
 * answers a refusal the way the strategy asks: its status (400, 401 or 403) and its
 * `WWW-Authenticate` challenge on each of them (RFC 6750 §3). Without it, `@fastify/passport` sends
 * the challenge on 401 only: a Fastify request gives the strategy no way to reach the reply.
 *
 * On success it does what `@fastify/passport` does without a callback, for a stateless API:
 * `request.user` (through `request.logIn(user, { session: false })`) and `request.authInfo`
 * (through your auth-info transformers, if any). An error, an Amazon outage say, is thrown to your
 * error handler (an `LwaError` carries its 502, 503 or 504). For one strategy, not a list.
 *
 * @example
 * ```ts
 * import { amazonTokenCallback } from 'passport-lwa-token/fastify';
 *
 * const amazonToken = passport.authenticate('amazon-token', { session: false }, amazonTokenCallback);
 * app.get('/api/me', { preValidation: amazonToken }, async (request) => ({ user: request.user }));
 * ```
 */
export async function amazonTokenCallback(
  request: FastifyPassportRequest,
  reply: FastifyReplyLike,
  err: Error | null,
  user?: unknown,
  info?: unknown,
  status?: number,
): Promise<void> {
  if (err) throw err;
  if (!user) {
    // On a refusal @fastify/passport hands over the strategy's challenge as `info`, and its status.
    const code = typeof status === 'number' ? status : 401;
    reply.code(code);
    if (typeof info === 'string') reply.header('WWW-Authenticate', info);
    // Waiting until it is sent keeps Fastify from running the route after an answer.
    return new Promise((resolve, reject) => reply.send(STATUS_CODES[code]).then(resolve, reject));
  }
  await request.logIn(user, { session: false });
  request.authInfo = await request.passport.transformAuthInfo(info, request);
}
