// What the CLI needs from the outside world, injected so that tests drive it without a process.

/** Output streams, environment and clock of a CLI run. */
export interface CliDeps {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly now: () => number;
  /** True when stderr is a terminal: progress is shown there. */
  readonly isTTY?: boolean;
  /** Resolves, with its name, when a long-running command (kaizen serve) should stop; default SIGINT/SIGTERM. */
  readonly untilShutdown?: () => Promise<string>;
}

export function processDeps(): CliDeps {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
    now: () => Date.now(),
    isTTY: process.stderr.isTTY === true,
  };
}

