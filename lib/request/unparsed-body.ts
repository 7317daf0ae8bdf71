import type { IncomingHttpHeaders } from 'node:http';

/** The code of the warning below, for `process.on('warning')` filters. */
export const UNPARSED_BODY_WARNING_CODE = 'PASSPORT_LWA_TOKEN_BODY_NOT_PARSED';

const PARSERS = {
  'application/json': 'express.json()',
  'application/x-www-form-urlencoded': 'express.urlencoded()',
} as const;

type BodyType = keyof typeof PARSERS;

interface RequestWithBody {
  headers?: IncomingHttpHeaders;
  body?: unknown;
}

/**
 * The content type of a request that has a JSON or form body nobody parsed: `req.body` is
 * `undefined` although the request carries one. Such a request's token can never be found in its
 * body, which otherwise looks to the app like a client that sent no token.
 */
export function unparsedBodyType(req: unknown): BodyType | undefined {
  if (typeof req !== 'object' || req === null) return undefined;
  const { headers, body } = req as RequestWithBody;
  if (body !== undefined || headers === undefined) return undefined;
  // A body is there only with Transfer-Encoding or a non-zero Content-Length: a JSON request with
  // none is left with `req.body` undefined by express.json() itself (body-parser 2).
  const length = headers['content-length'];
  const hasBody = headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  if (!hasBody) return undefined;
  const type = headers['content-type']?.split(';')[0].trim().toLowerCase();
  return type !== undefined && Object.hasOwn(PARSERS, type) ? (type as BodyType) : undefined;
}

/** The warning for a request {@link unparsedBodyType} caught: which parser to add, and where. */
export function unparsedBodyWarning(type: BodyType): string {
  return (
    `passport-lwa-token: a request with an ${type} body reached the strategy with \`req.body\` undefined, ` +
    `so no token in its body can be found and it is refused as carrying none (401). Add ` +
    `\`app.use(${PARSERS[type]})\` (express.json() for JSON, express.urlencoded() for forms, or your ` +
    `framework's body parser) before \`passport.authenticate()\`. This warning is given once per strategy.`
  );
}
