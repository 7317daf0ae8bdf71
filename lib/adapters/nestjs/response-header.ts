/** What a Nest response is on either platform: Express's `res` (Node's) or Fastify's `reply`. */
interface NestResponse {
  setHeader?: (name: string, value: string) => unknown;
  header?: (name: string, value: string) => unknown;
}

/**
 * Sets a header on whichever response Nest's platform gives: Express's (and Node's) `setHeader`,
 * or Fastify's `reply.header`, which has no `setHeader`.
 */
export function setResponseHeader(response: unknown, name: string, value: string): void {
  const res = response as NestResponse | null | undefined;
  if (typeof res?.setHeader === 'function') res.setHeader(name, value);
  else if (typeof res?.header === 'function') res.header(name, value);
}
