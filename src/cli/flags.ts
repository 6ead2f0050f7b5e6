/** Flags shared by many commands, defined once. */
import * as Flags from '@oclif/core/flags'

/**
 * `-o` and `--no-headers`, as every command spells them (docs/output-formats.md). The names a
 * command accepts come from src/render/output.ts (the first is its default); the command parses
 * the value with `parseOutput`, so that jsonpath=EXPR and custom-columns=SPEC can carry theirs.
 */
export function outputFlags(names: readonly string[], defaultValue = names[0]) {
  const shown = names.map((n) => (n === 'jsonpath' ? 'jsonpath=EXPR' : n === 'custom-columns' ? 'custom-columns=SPEC' : n))
  return {
    output: Flags.string({char: 'o', summary: `Output format: ${shown.join('|')} (docs/output-formats.md).`, default: defaultValue, helpValue: 'FORMAT'}),
    'no-headers': Flags.boolean({summary: 'Print tables and custom-columns without their header row.'}),
  }
}
