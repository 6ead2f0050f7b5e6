/** The base of every felixctl command: writing results, and ending with a result exit code. */
import {Command} from '@oclif/core/command'
import {ExitCodeValue, ResultExit} from '../errors.js'
import {clipLines, escapeTerminalText} from '../render/escape.js'
import {colourEnabled} from '../render/format.js'

export abstract class FelixctlCommand extends Command {
  /** Write a rendered result to stdout, exactly as given. */
  protected out(text: string): void {
    if (text) process.stdout.write(text)
  }

  /**
   * Write diagnostics to stderr. They quote input (values, paths, host names): controls are
   * shown as escapes, the text's own newlines and felixctl's own colours stay, and very long
   * lines are cut (the JSON document, where there is one, has them whole).
   */
  protected err(text: string): void {
    if (!text) return
    const safe = escapeTerminalText(clipLines(text), colourEnabled(process.stderr))
    process.stderr.write(safe.endsWith('\n') ? safe : safe + '\n')
  }

  /** End after the result was printed: a non-zero code reaches the top-level handler. */
  protected finish(code: ExitCodeValue | number): void {
    if (code !== 0) throw new ResultExit(code as ExitCodeValue)
  }
}
