/** A clock a test moves by hand. */

/**
 * A wall clock the tests move: `Date.now` is real time plus an offset, reset before each test.
 * The emulator (token expiry) and the strategy (cache, circuit breaker) both read it.
 * Returns `advance(ms)`.
 */
export function useMovableClock(): (ms: number) => void {
  let offset = 0;
  beforeEach(() => {
    offset = 0;
    const realNow = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + offset);
  });
  afterEach(() => jest.restoreAllMocks());
  return (ms) => {
    offset += ms;
  };
}
