/** The base of every felixctl command: writing results, and ending with a result exit code. */
import {Command} from '@oclif/core/command'
import {ExitCodeValue, ResultExit} from '../errors.js'

export abstract class FelixctlCommand extends Command {
  /** Write a rendered result to stdout, exactly as given. */
  protected out(text: string): void {
    if (text) process.stdout.write(text)
  }

  /** Write diagnostics to stderr. */
  protected err(text: string): void {
    if (text) process.stderr.write(text.endsWith('\n') ? text : text + '\n')
  }

  /** End after the result was printed: a non-zero code reaches the top-level handler. */
  protected finish(code: ExitCodeValue | number): void {
    if (code !== 0) throw new ResultExit(code as ExitCodeValue)
  }
}
