/**
 * Interactive prompts (@inquirer/prompts, loaded lazily), used only when stdin and stdout are TTYs.
 * Without a TTY a prompt that is needed is a usage error (exit 2).
 */
import {UsageError} from '../errors.js'
import {escapeTerminal} from '../render/escape.js'

export function isInteractive(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY)
}

export async function promptConfirm(message: string): Promise<boolean> {
  const {confirm} = await import('@inquirer/prompts')
  try {
    // The question names a key or file from input: shown escaped.
    return await confirm({message: escapeTerminal(message), default: false})
  } catch {
    // Ctrl-C at the prompt: nothing was done.
    throw new UsageError('cancelled at the prompt; nothing was written')
  }
}

export async function promptValue(message: string, choices: readonly string[] | null, validate: (v: string) => string | true): Promise<string> {
  const {input, select} = await import('@inquirer/prompts')
  try {
    if (choices) return await select({message: escapeTerminal(message), choices: choices.map((c) => ({name: escapeTerminal(c), value: c}))})
    return await input({message: escapeTerminal(message), validate})
  } catch {
    throw new UsageError('cancelled at the prompt; nothing was written')
  }
}
