/**
 * Single flight: while work for a key is in flight, later callers with the same key join it
 * instead of starting their own. A burst of requests carrying one token thus costs one call to
 * Amazon, and whatever that call ends with (an answer or an error) reaches every caller.
 * Nothing is remembered once the work settles: keeping results is the cache's job, not this one's.
 */
export class SingleFlight<T> {
  private readonly flights = new Map<string, Promise<T>>();

  /** The promise of the work in flight for `key`, if any. */
  joinable(key: string): Promise<T> | undefined {
    return this.flights.get(key);
  }

  /** Starts `work` for `key` (the caller checked {@link joinable} first) and shares it until it settles. */
  start(key: string, work: () => Promise<T>): Promise<T> {
    // Started at once; a synchronous throw becomes this flight's rejection.
    const flight = (async () => work())();
    this.flights.set(key, flight);
    const land = (): void => {
      // A later flight for the same key may have replaced this one; leave that one alone.
      if (this.flights.get(key) === flight) this.flights.delete(key);
    };
    flight.then(land, land);
    return flight;
  }

  /** Number of flights in the air (for tests and diagnostics). */
  get size(): number {
    return this.flights.size;
  }
}
