import {Args, Flags} from '@oclif/core'
import {FelixctlCommand} from '../../cli/base.js'
import {configContextOptions, datastoreFlags, felixVersionFlag, hostFlag, localSourceFlags} from '../../cli/config-flags.js'
import {outputFlag} from '../../cli/flags.js'
import {isInteractive, promptConfirm, promptValue} from '../../cli/prompts.js'
import {UsageError} from '../../errors.js'
import {colourEnabled} from '../../render/format.js'
import {renderConfigWrite} from '../../render/config-write.js'
import {applyConfigWrite, planConfigWrite, valueChoices, validateForPrompt, WriteLayer} from '../../services/config-write.js'

export const writeFlags = {
  layer: Flags.string({summary: 'Which layer to change.', options: ['global', 'host', 'file', 'env'], required: true}),
  'if-revision': Flags.string({summary: 'etcd compare-and-swap: write only if the key\'s revision (v3 mod_revision, v2 modifiedIndex) is this; 0 = only if absent.', helpValue: 'N'}),
  'fix-spelling': Flags.boolean({summary: 'In felix.cfg, also remove other spellings of the same key (they override the canonical one).'}),
  force: Flags.boolean({summary: 'Write an unknown parameter name, or a change after which Felix would not start.'}),
  'dry-run': Flags.boolean({summary: 'Show what would change (a diff for files) and write nothing.'}),
  yes: Flags.boolean({char: 'y', summary: 'Do not ask for confirmation before writing to etcd.'}),
  'follow-symlinks': Flags.boolean({summary: 'Edit through a symbolic link that points outside the file\'s directory.'}),
}

export default class ConfigSet extends FelixctlCommand {
  static override summary = 'Set a Felix parameter in one layer: global or per-host etcd, felix.cfg (in place), or an env file.'
  static override description = `The value is validated with the parameter's kind first; local-only parameters are refused in etcd, \`none\` on non-zero parameters and values with line breaks are refused, and a change after which Felix would not start is refused unless --force.
The effective value before and after is shown, with a warning when a higher layer still wins.
Files are edited in place (comments, order, mode and owner kept) and replaced atomically. Any change to an etcd config key makes Felix restart on the hosts concerned: felixctl says so and asks for confirmation on a TTY unless --yes.
With no VALUE on a TTY, felixctl prompts for one.`
  static override examples = [
    {description: 'Preview a felix.cfg change as a diff (nothing written)', command: '<%= config.bin %> <%= command.id %> LogSeverityScreen WARNING --layer file -c examples/felix.cfg --snapshot examples/snapshot.json --dry-run'},
    {description: 'Set it in an env file (FELIX_LOGSEVERITYFILE)', command: 'cp examples/felix.env /tmp/felix.env && <%= config.bin %> <%= command.id %> LogSeverityFile DEBUG --layer env --env-file /tmp/felix.env -c examples/felix.cfg --snapshot examples/snapshot.json'},
    {description: 'Global etcd ($ETCD: its URL), compare-and-swap: only if the key does not exist yet (revision 0)', command: '<%= config.bin %> <%= command.id %> ChainInsertMode append --layer global --etcd-endpoints $ETCD --if-revision 0 --yes'},
  ]
  static override args = {
    name: Args.string({description: 'Parameter name (case-insensitive; written with its canonical spelling)', required: true}),
    value: Args.string({description: 'New value (prompted for on a TTY when omitted)'}),
  }
  static override flags = {output: outputFlag(), host: hostFlag, 'felix-version': felixVersionFlag, ...localSourceFlags, ...datastoreFlags, ...writeFlags}

  async run() {
    const {args, flags} = await this.parse(ConfigSet)
    let value = args.value
    if (value === undefined) {
      if (!isInteractive()) throw new UsageError('config set needs a VALUE (no TTY to prompt on)', {hint: `felixctl config set ${args.name} VALUE --layer ${flags.layer}`})
      value = await promptValue(`Value for ${args.name}`, valueChoices(args.name, flags['felix-version']), (v) => validateForPrompt(args.name, v, flags['felix-version']))
    }
    const plan = await planConfigWrite({
      ...configContextOptions(flags),
      op: 'set',
      name: args.name,
      value,
      layer: flags.layer as WriteLayer,
      ifRevision: flags['if-revision'],
      fixSpelling: flags['fix-spelling'],
      force: flags.force,
      followSymlinks: flags['follow-symlinks'],
    })
    for (const w of plan.warnings) this.err(w)
    if (plan.restart && !flags['dry-run']) {
      this.err(`note: ${plan.restart}`)
      if (!flags.yes && isInteractive() && !(await promptConfirm(`Write ${plan.target}?`))) {
        this.err('nothing written')
        return plan
      }
    }
    const result = await applyConfigWrite(plan, {dryRun: flags['dry-run']})
    this.out(await renderConfigWrite(result, flags.output, colourEnabled()))
    return result
  }
}
