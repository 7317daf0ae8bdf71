/**
 * One app instance of a fleet (./fleet-app.ts) in a child process, driven over IPC: its URLs, its
 * cache events, its store writes settled, a revocation, and the messages it sends of its own.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type request from 'supertest';
import type { ChannelMessages } from '../../lib';
import { getMe } from '../support/fixture';

const ROOT = join(__dirname, '..', '..');

/** One app instance, in its own process. */
export class AppProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    /** With ALSO_NX=1: the same app over the `setIfAbsent` adapter. */
    readonly nxUrl?: string,
  ) {}

  /** `node`: more of Node's flags (`--expose-gc`). */
  static async start(env: Record<string, string>, node: readonly string[] = []): Promise<AppProcess> {
    const child = fork(join(__dirname, 'fleet-app.ts'), [], {
      cwd: ROOT,
      execArgv: [...node, '--import', 'tsx'],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const { port, nxPort } = await new Promise<{ port: number; nxPort?: number }>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`app process exited (${code}) before listening`)));
      // Subscription news may come first; `listening` comes once the subscriptions are in place.
      const onMessage = (message: { type?: string; port?: number; nxPort?: number }): void => {
        if (message.type !== 'listening') return;
        child.off('message', onMessage);
        if (typeof message.port === 'number') resolve({ ...message, port: message.port });
        else reject(new Error('the app process sent no port'));
      };
      child.on('message', onMessage);
    });
    return new AppProcess(child, `http://127.0.0.1:${port}`, nxPort ? `http://127.0.0.1:${nxPort}` : undefined);
  }

  /** The cache events this process has published so far (IPC is ordered: nothing is missed). */
  async events(): Promise<ChannelMessages['cache'][]> {
    return ((await this.ask('events')).events as ChannelMessages['cache'][] | undefined) ?? [];
  }

  /** The cache events this process has published since the last call. */
  async takeEvents(): Promise<ChannelMessages['cache'][]> {
    return ((await this.ask('take-events')).events as ChannelMessages['cache'][] | undefined) ?? [];
  }

  /** Resolves once every store write this process has begun has landed in Redis. */
  async settled(): Promise<void> {
    await this.ask('settled');
  }

  /** Sends `fields` as a message of `type`; resolves with this process's answer, a message of the same type. */
  ask(type: string, fields: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const answer = this.next(type);
    this.child.send({ type, ...fields });
    return answer;
  }

  /** Revokes `token` in this process (`strategy.verifier.revoke`); resolves once that has resolved. */
  async revoke(token: string): Promise<void> {
    await this.ask('revoke', { token });
  }

  /** Resolves with the next message of `type` this process sends that `matches` (call it before causing it). */
  next(
    type: string,
    matches: (message: Record<string, unknown>) => boolean = () => true,
  ): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      const onMessage = (message: Record<string, unknown>): void => {
        if (message.type !== type || !matches(message)) return;
        this.child.off('message', onMessage);
        resolve(message);
      };
      this.child.on('message', onMessage);
    });
  }

  me(token: string, url = this.url): request.Test {
    return getMe(url, token);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.disconnect();
    await exited;
  }
}

/** The `i`th well-formed token of `prefix`, for bench/revocations.ts (revoked, never sent to Amazon). */
export function benchToken(prefix: string, i: number): string {
  return `Atza|${prefix}-${i}-`.padEnd(400, 'x');
}
