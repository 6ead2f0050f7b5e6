import * as Args from '@oclif/core/args'
import {FelixctlCommand} from '../../cli/base.js'
import {datastoreFlags, felixVersionFlag, hostFlag, localSourceFlags, noLocalFlag} from '../../cli/config-flags.js'
import {outputFlags} from '../../cli/flags.js'
import {OUTPUTS, parseOutput} from '../../render/output.js'
import {runConfigWrite, writeFlags} from '../../cli/config-write-flow.js'
import {promptValue, requireInteractive} from '../../cli/prompts.js'
import {valueChoices, validateForPrompt} from '../../services/config-write.js'

export default class ConfigSet extends FelixctlCommand {
  static override summary = 'Set a Felix parameter in one layer: global or per-host etcd, felix.cfg (in place), or an env file.'
  static override description = `The value is validated with the parameter's kind first; local-only parameters are refused in etcd, \`none\` on non-zero parameters and values with line breaks are refused, and a change after which Felix would not start is refused (exit 3) unless --force, which writes it with a warning.
The effective value before and after is shown. A value that a higher layer, or another spelling of the key in the same layer, would shadow is refused (exit 3, nothing written) unless --force; --dry-run still shows the plan (and the impact), then the refusal, and exits 3.
--layer host writes the directory of --host; when this machine's env or config file set FelixHostname to another name the write is refused (exit 2): say --host with that name, or add --no-local to evaluate --host from etcd alone. A host directory that does not exist yet (none under /calico/v1/host/, with or without config keys) is created only after a yes at the prompt, or with --create-host (exit 4 with a did-you-mean otherwise).
Files are edited in place (comments, order, mode and owner kept) and replaced atomically.
For --layer global or host the plan has the impact on every host directory under /calico/v1/host/ (with or without config keys), from one read of the datastore: which Felix restarts (its raw configuration changes), which of them get a new value, which stop (their configuration no longer resolves) and which recover (docs/felix-restarts.md). Remote hosts' env and file layers are not visible: they are evaluated from etcd alone, or with this machine's with --with-local. A change that would stop any Felix is refused (exit 3, nothing written) unless --force; --dry-run shows the whole plan and still exits 3. On a TTY felixctl shows the counts and asks for confirmation unless --yes.
With no VALUE on a TTY, felixctl prompts for one.`
  static override examples = [
    {description: 'Preview a felix.cfg change as a diff (nothing written)', command: '<%= config.bin %> <%= command.id %> LogSeverityScreen ERROR --layer file -c examples/felix.cfg --snapshot examples/snapshot.json --dry-run'},
    {description: 'Set it in an env file (FELIX_LOGSEVERITYFILE)', command: 'cp examples/felix.env /tmp/felix.env && <%= config.bin %> <%= command.id %> LogSeverityFile DEBUG --layer env --env-file /tmp/felix.env -c examples/felix.cfg --snapshot examples/snapshot.json'},
    {description: 'Global etcd ($ETCD: its URL), compare-and-swap: only if the key does not exist yet (revision 0)', command: '<%= config.bin %> <%= command.id %> ChainInsertMode append --layer global --etcd-endpoints $ETCD --if-revision 0 --yes'},
  ]
  static override args = {
    name: Args.string({description: 'Parameter name (case-insensitive; written with its canonical spelling)', required: true}),
    value: Args.string({description: 'New value (prompted for on a TTY when omitted)'}),
  }
  static override flags = {...outputFlags(OUTPUTS.values), host: hostFlag, 'felix-version': felixVersionFlag, ...localSourceFlags, 'no-local': noLocalFlag, ...datastoreFlags, ...writeFlags}

  async run() {
    const {args, flags} = await this.parse(ConfigSet)
    const output = parseOutput(flags.output, flags['no-headers'], OUTPUTS.values)
    let value = args.value
    if (value === undefined) {
      requireInteractive('config set needs a VALUE (no TTY to prompt on)', {hint: `felixctl config set ${args.name} VALUE --layer ${flags.layer}`})
      value = await promptValue(`Value for ${args.name}`, valueChoices(args.name, flags['felix-version']), (v) => validateForPrompt(args.name, v, flags['felix-version']))
    }
    return runConfigWrite({out: (t) => this.out(t), err: (t) => this.err(t)}, 'set', args.name, value, {...flags, output})
  }
}
