/** CLI output goes to stdout as plain lines; the gateway's own logs go through pino. */
export function print(line: string): void {
  process.stdout.write(line + '\n');
}
