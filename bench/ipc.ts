/** Request/response over a child process's IPC channel, for the benchmark's helper processes. */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

interface Envelope {
  readonly id: number;
  readonly ok?: boolean;
  readonly value?: unknown;
  readonly error?: string;
}

/** A helper process running one of bench/*-process.ts under tsx. */
export class Helper {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: Envelope) => {
      const waiter = this.waiting.get(message.id);
      if (!waiter) return;
      this.waiting.delete(message.id);
      if (message.ok) waiter.resolve(message.value);
      else waiter.reject(new Error(message.error ?? 'helper failed'));
    });
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        for (const waiter of this.waiting.values()) waiter.reject(new Error(`helper exited (${code})`));
        this.waiting.clear();
        resolve();
      }),
    );
  }

  /** Starts `bench/<script>` with extra Node flags and environment. */
  static start(script: string, env: Record<string, string> = {}, nodeFlags: string[] = []): Helper {
    const child = fork(join(__dirname, script), [], {
      execArgv: [...nodeFlags, '--import', 'tsx'],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Helper(child);
  }

  call<T>(type: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, type, ...args });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.disconnect();
      this.child.kill('SIGTERM');
    }
    await this.exited;
  }
}

/** The child side: answers each request with `handle`'s result. */
export function serve(handle: (type: string, args: Record<string, unknown>) => unknown): void {
  process.on('message', (message: { id: number; type: string } & Record<string, unknown>) => {
    Promise.resolve()
      .then(() => handle(message.type, message))
      .then(
        (value) => process.send?.({ id: message.id, ok: true, value }),
        (err: unknown) =>
          process.send?.({
            id: message.id,
            ok: false,
            error: err instanceof Error ? (err.stack ?? err.message) : String(err),
          }),
      );
  });
  process.on('disconnect', () => process.exit(0));
}
