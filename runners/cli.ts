import { Command, CommanderError } from 'commander'
import { EXIT, exitCodeFor } from '../spec/index.js'
import { registerBrokerCommand } from './broker-command.js'
import { registerLoadCommand } from './load-command.js'
import { registerReportCommand } from './report-command.js'
import { registerRunCommand } from './run-command.js'
import { registerValidateCommand } from './validate-command.js'
import { registerListCommand } from './list-command.js'
import { toolVersion } from './package-info.js'

/**
 * The whole command line (every command and option), without running
 * anything: what `main` parses, and what the README is checked against.
 */
export function buildProgram(setExit: (code: number) => void = () => {}): Command {
  const program = new Command()
    .name('mqtt-harness')
    .description('Conformance and load testing for MQTT brokers that behave like AWS IoT Core')
    .version(toolVersion(), '-V, --version', 'print the mqtt-harness version')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
  registerBrokerCommand(program, setExit)
  registerLoadCommand(program, setExit)
  registerReportCommand(program, setExit)
  registerRunCommand(program, setExit)
  registerValidateCommand(program, setExit)
  registerListCommand(program, setExit)
  program
    .command('version')
    .description('print the mqtt-harness version (the same as --version; every report carries it too)')
    .action(() => { process.stdout.write(`${toolVersion()}\n`) })
  return program
}

/**
 * Runs the CLI and resolves to the process exit code. Nothing happens on
 * import; bin/mqtt-harness.js calls this. A user's mistake is reported by its
 * command (reportCliError); anything else is a bug, printed with its stack as
 * HX_INTERNAL.
 */
export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.PASSED
  const setExit = (c: number) => { code = c }
  const program = buildProgram(setExit)
  try {
    await program.parseAsync(argv, { from: 'user' })
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.PASSED
      return EXIT.INVALID_INPUT
    }
    process.stderr.write(`mqtt-harness: internal error (HX_INTERNAL): ${err instanceof Error ? err.stack : String(err)}\n`)
    return exitCodeFor('HX_INTERNAL')
  }
  return code
}
