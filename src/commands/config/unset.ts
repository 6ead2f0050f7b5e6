import * as Args from '@oclif/core/args'
import {FelixctlCommand} from '../../cli/base.js'
import {datastoreFlags, felixVersionFlag, hostFlag, localSourceFlags, noLocalFlag} from '../../cli/config-flags.js'
import {outputFlags} from '../../cli/flags.js'
import {OUTPUTS, parseOutput} from '../../render/output.js'
import {runConfigWrite, writeFlags} from '../../cli/config-write-flow.js'

export default class ConfigUnset extends FelixctlCommand {
  static override summary = 'Remove a Felix parameter from one layer (etcd key, felix.cfg lines, or env-file variable).'
  static override description = 'Shows the effective value before and after: the next layer down (or the default) takes over. --fix-spelling in felix.cfg also removes other spellings of the key. For --layer global or host the plan has the impact on every host directory (which Felix restarts, stops or recovers; --with-local evaluates them with this machine\'s env and config file), as for config set; a removal that would stop any Felix is refused unless --force (docs/felix-restarts.md). Removing a value that a higher layer shadows is not refused: a note says that the effective value does not change.'
  static override examples = [
    {description: 'Preview removing a key from felix.cfg', command: '<%= config.bin %> <%= command.id %> LogSeverityScreen --layer file -c examples/felix.cfg --snapshot examples/snapshot.json --dry-run'},
    {description: 'Remove a per-host override from etcd ($ETCD: its URL)', command: '<%= config.bin %> <%= command.id %> IpInIpMtu --layer host --host node1 --etcd-endpoints $ETCD --yes'},
  ]
  static override args = {name: Args.string({description: 'Parameter name (case-insensitive)', required: true})}
  static override flags = {...outputFlags(OUTPUTS.values), host: hostFlag, 'felix-version': felixVersionFlag, ...localSourceFlags, 'no-local': noLocalFlag, ...datastoreFlags, ...writeFlags}

  async run() {
    const {args, flags} = await this.parse(ConfigUnset)
    const output = parseOutput(flags.output, flags['no-headers'], OUTPUTS.values)
    return runConfigWrite({out: (t) => this.out(t), err: (t) => this.err(t)}, 'unset', args.name, undefined, {...flags, output})
  }
}
