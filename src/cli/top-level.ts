/**
 * The one place that ends the process. Maps felixctl errors, oclif errors and
 * unexpected exceptions to the exit codes of docs/exit-codes.md.
 */
import {ExitCode, FelixctlError, ResultExit} from '../errors.js'
import {clipLines, escapeTerminalText} from '../render/escape.js'

interface OclifLikeError {
  oclif?: {exit?: number}
  code?: string
  message?: string
  stack?: string
  skipOclifErrorHandling?: boolean
}

function debugEnabled(): boolean {
  return process.env.FELIXCTL_DEBUG === '1' || process.env.FELIXCTL_DEBUG === 'true'
}

export function describeTopLevelError(error: unknown): {code: number; text: string} {
  if (error instanceof ResultExit) return {code: error.exitCode, text: ''}
  if (error instanceof FelixctlError) {
    let text = `Error: ${error.message}\n`
    if (error.hint) text += `Hint: ${error.hint}\n`
    if (debugEnabled() && error.stack) text += `${error.stack}\n`
    return {code: error.exitCode, text}
  }
  const e = (error ?? {}) as OclifLikeError
  // oclif's this.exit() and --help / --version end with an ExitError carrying the code.
  if (e.code === 'EEXIT' && typeof e.oclif?.exit === 'number') return {code: e.oclif.exit, text: ''}
  if (typeof e.oclif?.exit === 'number') {
    // oclif parse errors (unknown flag, missing argument, bad option value) are usage errors.
    const code = e.oclif.exit === 1 ? ExitCode.bug : e.oclif.exit === 127 ? ExitCode.usage : e.oclif.exit
    // oclif's parse errors span several lines ("The following error occurred: ... See more help with --help"): one line.
    const msg = (e.message ?? String(error))
      .replace(/^The following errors? occurred:\s*/, '')
      .replace(/\s*See more help with --help\s*$/, '')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .join(' ')
      .replace(/\s{2,}/g, ' ')
    let text = `Error: ${msg}\n`
    if (code === ExitCode.usage && !/--help|felixctl help/.test(msg)) text += 'Hint: see `felixctl help` or add --help to the command\n'
    if (debugEnabled() && e.stack) text += `${e.stack}\n`
    return {code, text}
  }
  let text = `Error: unexpected internal error (a bug in felixctl): ${e.message ?? String(error)}\n`
  text += debugEnabled() && e.stack ? `${e.stack}\n` : 'Hint: run again with FELIXCTL_DEBUG=1 for a stack trace, and report it\n'
  return {code: ExitCode.bug, text}
}

/**
 * A reader that stops early (`felixctl --help | head -1`) closes the pipe: the rest of the output
 * has nowhere to go, which is not a failure. Any write to a closed stdout or stderr (oclif's help
 * included) ends the process quietly with 0 instead of an EPIPE exception or a stalled drain.
 */
export function endQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(ExitCode.ok)
      throw error
    })
  }
}

export async function handleTopLevelError(error: unknown): Promise<never> {
  const {code, text} = describeTopLevelError(error)
  // Error messages quote input (file bytes, values, host names): never raw controls, never megabytes.
  if (text) process.stderr.write(escapeTerminalText(clipLines(text)))
  // Let stdout drain (large JSON documents into a pipe) before leaving.
  await new Promise<void>((resolve) => {
    if (process.stdout.writableLength === 0) resolve()
    else process.stdout.once('drain', () => resolve())
  })
  // A write that met a closed pipe reports it asynchronously: let it end the process (with 0) first.
  await new Promise((resolve) => setImmediate(resolve))
  process.exit(code)
}
