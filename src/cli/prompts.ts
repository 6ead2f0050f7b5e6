/**
 * Interactive prompts (@inquirer/prompts, loaded lazily), used only when stdin and stdout are TTYs.
 * Without a TTY a prompt that is needed is a usage error (exit 2). Every prompt of every command
 * goes through `runPrompt`: one cancellation path (Ctrl-C is exit 130, nothing done) and one
 * default for a yes/no question (No).
 */
import {CancelledError} from '../errors.js'
import {escapeTerminal} from '../render/escape.js'

export function isInteractive(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY)
}

/** Ask (`ask` runs the prompts); Ctrl-C or a closed terminal at any of them is CancelledError (130). */
export async function runPrompt<T>(ask: () => Promise<T>, nothingDone = 'nothing was written'): Promise<T> {
  try {
    return await ask()
  } catch (error) {
    // @inquirer/prompts: ExitPromptError on Ctrl-C or a closed input, AbortPromptError on an abort signal.
    const name = (error as Error | undefined)?.name
    if (name === 'ExitPromptError' || name === 'AbortPromptError') throw new CancelledError(`cancelled at the prompt; ${nothingDone}`)
    throw error
  }
}

export async function promptConfirm(message: string): Promise<boolean> {
  return runPrompt(async () => {
    const {confirm} = await import('@inquirer/prompts')
    // The question names a key or file from input: shown escaped.
    return confirm({message: escapeTerminal(message), default: false})
  })
}

export async function promptValue(message: string, choices: readonly string[] | null, validate: (v: string) => string | true): Promise<string> {
  return runPrompt(async () => {
    const {input, select} = await import('@inquirer/prompts')
    if (choices) return select({message: escapeTerminal(message), choices: choices.map((c) => ({name: escapeTerminal(c), value: c}))})
    return input({message: escapeTerminal(message), validate})
  })
}
