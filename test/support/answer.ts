import type { Dispatcher } from 'undici';

/** A response read whole: for tests that talk to the emulator with undici directly. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => Record<string, unknown>;
}

/** Reads the body (so the connection is released) and keeps what the assertions need. */
export async function answerOf(res: Dispatcher.ResponseData): Promise<Answer> {
  const text = await res.body.text();
  return {
    status: res.statusCode,
    headers: res.headers,
    text,
    json: () => JSON.parse(text) as Record<string, unknown>,
  };
}
