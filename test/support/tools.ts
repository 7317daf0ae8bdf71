/** Suites that need a tool which may not be installed. */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** A program some suite needs, and how a developer gets it. */
export interface Tool {
  readonly name: string;
  /** Its path, or `undefined` when it is not installed. */
  readonly path: string | undefined;
  /** The command that installs it. */
  readonly install: string;
}

/** `command`'s path when it is on PATH. */
export function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return join(dir, command);
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * `describe(title, body)` when `tool` is installed. Without it: in CI (`CI=true`) one failing test,
 * since CI must run the suite; elsewhere one skipped test, and one line on stderr, that say why and
 * how to get it.
 */
export function describeWith(tool: Tool, title: string, body: () => void): void {
  if (tool.path !== undefined) {
    describe(title, body);
  } else if (process.env.CI === 'true') {
    describe(title, () => {
      test(`${tool.name} is installed (required in CI)`, () => {
        throw new Error(`${tool.name} not found; .ci/run installs it (${tool.install})`);
      });
    });
  } else {
    const reason = `skipped: ${tool.name} not found (${tool.install}): ${title}`;
    // One line where it is seen: Jest lists a skipped test only with --verbose, and its console.warn
    // adds a stack trace.
    process.stderr.write(`${reason}\n`);
    test.skip(reason, () => undefined);
  }
}
