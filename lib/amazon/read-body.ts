import type { Dispatcher } from 'undici';

/** Thrown when a body is larger than the cap; the caller turns it into its own error. */
export class BodyTooLargeError extends Error {}

/** Thrown when a body is not valid UTF-8 (JSON on the wire must be). */
export class BodyEncodingError extends Error {}

// `fatal`: a malformed byte sequence is an error, not a U+FFFD slipped into a field.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a response body as UTF-8, refusing more than `maxBytes` and malformed UTF-8. The body is
 * destroyed on the way out whenever it was not read to the end, so its connection is released
 * (undici keeps a socket busy for as long as a body is left unread).
 */
export async function readBody(
  body: Dispatcher.ResponseData['body'],
  maxBytes: number,
  declaredLength?: string | string[],
): Promise<string> {
  const declared = typeof declaredLength === 'string' ? Number(declaredLength) : NaN;
  if (declared > maxBytes) {
    body.destroy();
    throw new BodyTooLargeError();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) throw new BodyTooLargeError();
      chunks.push(chunk);
    }
  } catch (err) {
    body.destroy();
    throw err;
  }
  try {
    return utf8.decode(Buffer.concat(chunks, size));
  } catch {
    throw new BodyEncodingError();
  }
}

/**
 * Throws away a body we do not need, reading at most a little of it for at most a moment. A body
 * that arrived with its headers is drained at once and the connection stays reusable; one that is
 * larger, or trickles in, is destroyed with its socket after `graceMs`. Draining without a time
 * bound would let a hostile upstream hold every connection of the pool with a byte now and then.
 */
export function discardBody(body: Dispatcher.ResponseData['body'], graceMs: number): void {
  body.dump({ limit: 16 * 1024, signal: AbortSignal.timeout(graceMs) }).catch(() => undefined);
}
