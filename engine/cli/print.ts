/** Where the CLI's lines go: the process's stdout and stderr; the tests swap in buffers. */
export const cliOutput: {
  out: { write(text: string): unknown };
  err: { write(text: string): unknown };
} = {
  out: process.stdout,
  err: process.stderr,
};

/** CLI output goes to stdout as plain lines; the gateway's own logs go through pino. */
export function print(line: string): void {
  cliOutput.out.write(line + '\n');
}

/** A CLI problem or usage error, on stderr. */
export function printError(line: string): void {
  cliOutput.err.write(line + '\n');
}
