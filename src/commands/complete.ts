import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {FelixctlCommand} from '../cli/base.js'
import {felixVersionFlag} from '../cli/config-flags.js'
import {renderWords} from '../render/output.js'
import {COMPLETION_KINDS, completionWords, type CompletionKind} from '../services/completion.js'

export default class Complete extends FelixctlCommand {
  static override summary = 'Print the words shell completion offers: parameter names, layers, OpenStack file kinds and releases, host directories of a snapshot.'
  static override description = `One word per line, for the completion functions of bash and zsh (docs/output-formats.md, Shell completion); oclif's \`felixctl autocomplete\` completes the commands, flags and fixed option lists.
hosts reads the host directories (with or without config keys) in the snapshot given with --snapshot (or FELIXCTL_SNAPSHOT).`
  static override examples = [
    {description: 'Every parameter name', command: '<%= config.bin %> <%= command.id %> params'},
    {description: 'The host directories of a snapshot', command: '<%= config.bin %> <%= command.id %> hosts --snapshot examples/snapshot.json'},
  ]
  static override args = {kind: Args.string({description: 'What to list', options: [...COMPLETION_KINDS], required: true})}
  static override flags = {
    snapshot: Flags.string({summary: 'The snapshot whose host directories `hosts` lists.', helpValue: 'FILE', env: 'FELIXCTL_SNAPSHOT'}),
    'felix-version': felixVersionFlag,
  }

  async run() {
    const {args, flags} = await this.parse(Complete)
    const words = await completionWords(args.kind as CompletionKind, {felixVersion: flags['felix-version'], snapshot: flags.snapshot})
    this.out(renderWords(words))
    return words
  }
}
