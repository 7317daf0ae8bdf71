import type { RequestLike } from './extract';

/** The parts of a Fetch API `Request` (Bun, Deno, Hono, Next.js route handlers) that are read. */
export interface FetchRequestLike {
  readonly url: string;
  readonly headers: { get(name: string): string | null; forEach(fn: (value: string, name: string) => void): void };
}

/** A Fetch API `Request`, told apart from a Node request by its `Headers` object. */
export function isFetchRequest(req: unknown): req is FetchRequestLike {
  const headers = (req as { headers?: { get?: unknown } } | null)?.headers;
  return typeof headers?.get === 'function' && typeof (req as { url?: unknown }).url === 'string';
}

// Headers joins a repeated header's values with ", ". Neither a bearer token nor an Amazon token
// can hold a comma (RFC 6750 §2.1's b64token), so a comma here means the header was repeated.
const SPLIT = new Set(['authorization', 'x-amz-access-token']);

/**
 * A Fetch `Request` as the headers and URL extraction reads: headers and query only. Its body is a
 * stream that belongs to the app (reading it here would leave none for the handler).
 */
export function fromFetchRequest(req: FetchRequestLike): RequestLike {
  const rawHeaders: string[] = [];
  req.headers.forEach((value, name) => {
    const values = SPLIT.has(name) ? value.split(/,[ \t]*/) : [value];
    for (const one of values) rawHeaders.push(name, one);
  });
  return { rawHeaders, url: req.url };
}
