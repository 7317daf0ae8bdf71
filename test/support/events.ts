/** Diagnostics events, recorded. */
import diagnostics_channel from 'node:diagnostics_channel';

/**
 * What is published on `channel` (one of `CHANNELS`) during the current test: subscribed for the
 * test file, emptied before each test.
 */
export function recordEvents<T>(channel: string): T[] {
  const events: T[] = [];
  const onEvent = (event: unknown): void => void events.push(event as T);
  beforeAll(() => diagnostics_channel.subscribe(channel, onEvent));
  afterAll(() => diagnostics_channel.unsubscribe(channel, onEvent));
  beforeEach(() => {
    events.length = 0;
  });
  return events;
}
