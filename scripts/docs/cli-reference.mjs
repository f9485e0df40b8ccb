// The CLI reference (docs/reference/cli.md), generated from the commander program that parses
// gatewayd's arguments: the same usage lines, descriptions, choices and defaults `--help` prints.
import { code, generatedNotice, prose, table } from './markdown.mjs';

export function renderCliReference(program) {
  const help = program.createHelp();
  const commands = help.visibleCommands(program);
  const sections = [renderCommand(program, help, `gatewayd`)];
  for (const command of commands) {
    if (command.name() === 'help') continue;
    sections.push(renderCommand(command, help, `gatewayd ${command.name()}`));
  }
  return [
    generatedNotice('engine/cli/program.ts'),
    '',
    '# CLI reference',
    '',
    'Every command and option of `gatewayd`, as `gatewayd --help` and `gatewayd COMMAND --help`',
    'print them. `npx gatewayd` runs it from a checkout after `npm ci`.',
    '',
    table(
      ['command', 'what it does'],
      [
        ['`gatewayd [options]`', prose(program.description())],
        ...commands.map((c) => [code(help.subcommandTerm(c)), prose(c.description())]),
      ],
    ),
    '',
    sections.join('\n\n'),
    '',
    '## See also',
    '',
    '- [Configuration guide](../guides/configuration.md): what `check` reports and how to read it.',
    '- [Routing guide](../guides/routing.md): `routes` and `routes --explain`, step by step.',
    '- [Access control](../guides/access-control.md): API keys and `hash-key`.',
    '- [Identity](../guides/identity.md): bootstrap users and `hash-password`.',
    '- [Reload](../operations/reload.md) and [workers](../operations/workers.md): signals and',
    '  what a running gateway does with them.',
    '',
  ].join('\n');
}

function renderCommand(command, help, title) {
  const lines = [
    `## \`${title}\``,
    '',
    '```',
    `${title} ${command.usage()}`.trim(),
    '```',
    '',
    prose(help.commandDescription(command)),
  ];
  const args = help.visibleArguments(command);
  if (args.length > 0) {
    lines.push(
      '',
      table(
        ['argument', 'description'],
        args.map((a) => [code(help.argumentTerm(a)), prose(help.argumentDescription(a))]),
      ),
    );
  }
  const options = help.visibleOptions(command);
  if (options.length > 0) {
    lines.push(
      '',
      table(
        ['option', 'description'],
        options.map((o) => [code(help.optionTerm(o)), prose(help.optionDescription(o))]),
      ),
    );
  }
  return lines.join('\n');
}
