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

/** Throws away a body we do not need, without reading more than a little of it. */
export function discardBody(body: Dispatcher.ResponseData['body']): void {
  // dump() reads up to a small limit to keep the connection reusable, then destroys.
  body.dump({ limit: 16 * 1024 }).catch(() => undefined);
}
