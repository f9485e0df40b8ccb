/**
 * Child processes without tap's instrumentation.
 *
 * tap's process tracker hooks every spawn of the test process (a wrapper around
 * ChildProcess.spawn) and writes its module loader into the child's NODE_OPTIONS, with V8's
 * precise call counting on when coverage is on, whatever `env` the spawn passes. A gatewayd
 * child would then count every call it makes while it serves: a test file driving one spent
 * about a third more CPU (traffic-split: 18.5 s against 13.9). `env -u` runs after that hook and
 * takes the variable back out, so the child (and whatever it starts) runs as in production; the
 * built dist/ a gatewayd child runs is not what coverage reports anyway.
 */
export function withoutTap(command: string, args: readonly string[]): [string, string[]] {
  return ['/usr/bin/env', ['-u', 'NODE_OPTIONS', command, ...args]];
}

/** `node ARGS` without tap's instrumentation. */
export function bareNode(args: readonly string[]): [string, string[]] {
  return withoutTap(process.execPath, args);
}
