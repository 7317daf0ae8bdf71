import type { ServerResponse } from 'node:http';

/**
 * Writes a whole answer of the emulator's browser-facing paths (sign-in, pages, the SDK stand-in),
 * with its length. Not cached unless `headers` says otherwise: these answers carry codes and tokens.
 */
export function sendText(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  const bytes = Buffer.from(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': type,
    'Content-Length': String(bytes.length),
    'Cache-Control': headers['Cache-Control'] ?? 'no-store',
  });
  res.end(bytes);
}

/** Writes one of the emulator's HTML pages. */
export function sendPage(res: ServerResponse, status: number, html: string): void {
  // The picker is a consent screen: it must not be framed (clickjacking).
  sendText(res, status, 'text/html; charset=utf-8', html, {
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
  });
}

/** 405 for a method the path does not take; `allow` lists those it does. */
export function methodNotAllowed(res: ServerResponse, allow: string): void {
  sendText(res, 405, 'text/plain; charset=utf-8', 'Method not allowed\n', { Allow: allow });
}
