/** Flags shared by many commands, defined once. */
import * as Flags from '@oclif/core/flags'

export function outputFlag(options: string[] = ['table', 'wide', 'json', 'yaml'], defaultValue = 'table') {
  return Flags.string({char: 'o', summary: `Output format: ${options.join('|')}.`, options, default: defaultValue})
}
