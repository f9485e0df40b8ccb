import { Command, Option } from 'commander';
import { didYouMean } from '../config/did-you-mean.js';
import { checkCommand } from './check-command.js';
import { hashKeyCommand } from './hash-key-command.js';
import { healthCommand } from './health-command.js';
import { hashPasswordCommand } from './hash-password-command.js';
import { routesCommand } from './routes-command.js';
import { runCommand, type RunOptions } from './run-command.js';
import { GATEWAYD_VERSION } from '../observability/version.js';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

function runOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('-c, --config <file>', 'config file').env('GATEWAYD_CONFIG'))
    .addOption(
      new Option(
        '--log-level <level>',
        'log level (overrides observability.logging.level)',
      ).choices(LOG_LEVELS),
    )
    .addOption(
      new Option(
        '--share-port',
        'share the HTTP port with a gatewayd already listening on it (a zero-downtime upgrade); without it a start refuses a port in use',
      ),
    );
}

/** The gatewayd command line; bin/gatewayd parses the arguments, the docs generator reads it. */
export const program = new Command('gatewayd')
  .description('Declarative API gateway: gateway.yaml in, a compiled route table out.')
  .version(GATEWAYD_VERSION, '-v, --version')
  .enablePositionalOptions()
  .showHelpAfterError()
  .helpCommand('help [command]', 'show help for a command');

// Words after the options are not the run command's: they are a subcommand that does not exist.
runOptions(program)
  .allowExcessArguments()
  .action((opts: RunOptions, cmd: Command) => {
    const [word] = cmd.args;
    if (word === undefined) return runCommand(opts);
    unknownCommand(word);
  });
runOptions(program.command('run').description('run the gateway (the default command)')).action(
  runCommand,
);

program
  .command('check')
  .description('validate config files; prints every problem as file:line:col: CODE message')
  .argument('<file...>', 'config files')
  .action(checkCommand);

program
  .command('routes')
  .description('print the compiled route table in match order, or explain one request')
  .argument('<file>', 'config file')
  .option(
    '--explain <request>',
    'how "METHOD URL" is routed: the route and why, filters, upstream and endpoint, or the nearest candidates (exit 3 when nothing matches)',
  )
  .option(
    '-H, --header <header>',
    'a request header "name: value" for --explain (repeatable)',
    (value: string, previous: string[]) => [...previous, value],
    [] as string[],
  )
  .action(routesCommand);

program
  .command('hash-key')
  .description('print the sha256: hash of each API key read from standard input, one per line')
  .option('--generate', 'make a new random key and print it with its hash')
  .action(hashKeyCommand);

program
  .command('hash-password')
  .description(
    'print the scrypt hash of each password read from standard input, for identity.bootstrap_users',
  )
  .option('--cost <log2N>', 'scrypt cost, log2 of N (14-20, default 15)')
  .action(hashPasswordCommand);

program
  .command('health')
  .description(
    "GET /health from the gateway the config describes (its http_port and bind address); exit 0 on 200: a container's HEALTHCHECK",
  )
  .addOption(new Option('-c, --config <file>', 'config file').env('GATEWAYD_CONFIG'))
  .action(healthCommand);

function unknownCommand(word: string): void {
  const names = [...program.commands.map((c) => c.name()), 'help'];
  const close = didYouMean(word, names);
  console.error(
    `gatewayd: unknown command "${word}"${close === undefined ? '' : `; did you mean "${close}"?`}`,
  );
  console.error(`commands: ${names.join(', ')}; gatewayd help COMMAND shows one`);
  process.exitCode = 2;
}
