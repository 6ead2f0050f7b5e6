/**
 * The one prompt module. Interactive prompts (@inquirer/prompts, loaded lazily) are used only
 * when stdin and stdout are TTYs (`isInteractive`, the one TTY check); without one, a prompt that
 * is needed is a usage error (exit 2, `requireInteractive`). Every question of every command
 * (config set|unset, openstack render, sysctl apply) goes through `runPrompt`: one cancellation
 * policy (Ctrl-C or a closed terminal is exit 130, nothing done), and a yes/no question defaults
 * to No. Messages and choices are shown escaped (they may name a key or file from input).
 */
import {CancelledError, UsageError, type ErrorDetails} from '../errors.js'
import {escapeTerminal} from '../render/escape.js'

/** The one TTY check: felixctl asks only when stdin and stdout are a terminal. */
export function isInteractive(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY)
}

/**
 * Whether @oclif/plugin-not-found will ask its own did-you-mean question: it checks stdin alone
 * (its code, not ours), so the not-found hook prints its hint exactly when the plugin does not ask.
 */
export function notFoundPluginAsks(): boolean {
  return Boolean(process.stdin.isTTY)
}

/** A prompt is needed: without a terminal that is a usage error (exit 2) with this message. */
export function requireInteractive(message: string, details: ErrorDetails): void {
  if (!isInteractive()) throw new UsageError(message, details)
}

/** Ask (`ask` runs the prompts); Ctrl-C or a closed terminal at any of them is CancelledError (130). */
async function runPrompt<T>(ask: () => Promise<T>, nothingDone = 'nothing was written'): Promise<T> {
  try {
    return await ask()
  } catch (error) {
    // @inquirer/prompts: ExitPromptError on Ctrl-C or a closed input, AbortPromptError on an abort signal.
    const name = (error as Error | undefined)?.name
    if (name === 'ExitPromptError' || name === 'AbortPromptError') throw new CancelledError(`cancelled at the prompt; ${nothingDone}`)
    throw error
  }
}

/** A yes/no question; the default is No. */
export async function promptConfirm(message: string): Promise<boolean> {
  return runPrompt(async () => {
    const {confirm} = await import('@inquirer/prompts')
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

/** A question as data (the OpenStack questions are defined in src/openstack/prompt.ts, asked here). */
export type Question =
  | {kind: 'select'; name: string; message: string; choices: {name: string; value: string}[]; default?: string; pageSize?: number}
  | {kind: 'checkbox'; name: string; message: string; choices: {name: string; value: string; checked?: boolean}[]; required?: boolean}
  | {kind: 'input'; name: string; message: string; default?: string; validate?: (v: string) => string | true}

/** Ask the questions in order; the answers by question name (a checkbox answers a list). */
export async function askQuestions(questions: readonly Question[], nothingDone: string): Promise<Record<string, string | string[]>> {
  return runPrompt(async () => {
    const {checkbox, input, select} = await import('@inquirer/prompts')
    const answers: Record<string, string | string[]> = {}
    const shown = <C extends {name: string}>(choices: C[]) => choices.map((c) => ({...c, name: escapeTerminal(c.name)}))
    for (const q of questions) {
      const message = escapeTerminal(q.message)
      if (q.kind === 'select') answers[q.name] = await select({message, choices: shown(q.choices), default: q.default, pageSize: q.pageSize})
      else if (q.kind === 'checkbox') answers[q.name] = await checkbox({message, choices: shown(q.choices), required: q.required})
      else answers[q.name] = await input({message, default: q.default, validate: q.validate})
    }
    return answers
  }, nothingDone)
}
