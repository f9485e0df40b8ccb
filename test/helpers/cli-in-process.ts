import { cliOutput } from '../../engine/cli/print.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a CLI command function (checkCommand, routesCommand) in this process, with `env` as the
 * whole environment, what it prints captured and its exit code read from process.exitCode: what
 * a spawned gatewayd would answer, without a Node.js start and an engine load per run (about half
 * a CPU second each). Argument parsing, --help and the exit itself need a real process (runCli).
 */
export async function runCommandInProcess(
  command: () => Promise<void>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<CliRun> {
  const savedEnv = { ...process.env };
  const wantedEnv = { ...env };
  const savedOutput = { ...cliOutput };
  const savedExitCode = process.exitCode;
  let stdout = '';
  let stderr = '';
  for (const key of Object.keys(process.env)) delete process.env[key];
  Object.assign(process.env, wantedEnv);
  cliOutput.out = { write: (text: string) => (stdout += text) };
  cliOutput.err = { write: (text: string) => (stderr += text) };
  process.exitCode = undefined;
  try {
    await command();
    return { code: Number(process.exitCode ?? 0), stdout, stderr };
  } finally {
    for (const key of Object.keys(process.env)) delete process.env[key];
    Object.assign(process.env, savedEnv);
    Object.assign(cliOutput, savedOutput);
    process.exitCode = savedExitCode;
  }
}
