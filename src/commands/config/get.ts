import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {FelixctlCommand} from '../../cli/base.js'
import {configContextOptions, datastoreFlags, felixVersionFlag, hostFlag, localSourceFlags, noLocalFlag} from '../../cli/config-flags.js'
import {outputFlag} from '../../cli/flags.js'
import {colourEnabled} from '../../render/format.js'
import {paramDiagnostics, renderConfigGet, renderDiagnostics} from '../../render/config.js'
import {configGet} from '../../services/config-query.js'
import {problemExit} from '../../services/exit-codes.js'

export default class ConfigGet extends FelixctlCommand {
  static override summary = 'Show the value Felix uses for one parameter, where it comes from, and every layer that sets it.'
  static override description = `Reproduces Felix 2.0.x's merge of environment, config file, per-host etcd and global etcd exactly, quirks included.
Each layer's raw value is shown with its status: effective, shadowed, invalid-default (did not parse: Felix uses the default but the layer still wins), ignored, or fatal.
With --all-hosts: the value on every host directory under /calico/v1/host/, grouped by value with counts, from one read of the datastore (remote hosts' env and file layers are not visible; --with-local applies this machine's).
Exit code 3 when Felix would not start with this configuration (on any host, with --all-hosts; the result is still printed); 4 for an unknown parameter.`
  static override examples = [
    {description: 'Which log level does node1 use, with etcd read from a snapshot?', command: '<%= config.bin %> <%= command.id %> LogSeverityFile --host node1 --snapshot examples/snapshot.json -c examples/felix.cfg'},
    {description: 'The same as JSON, with the environment of an env file', command: '<%= config.bin %> <%= command.id %> logseverityfile --env-file examples/felix.env -c examples/felix.cfg --snapshot examples/snapshot.json -o json'},
    {description: 'Parameter names are case-insensitive', command: '<%= config.bin %> <%= command.id %> ipinipmtu -c examples/felix.cfg --snapshot examples/snapshot.json'},
    {description: 'IpInIpMtu on every host directory, grouped by value', command: '<%= config.bin %> <%= command.id %> IpInIpMtu --all-hosts --snapshot examples/snapshot.json -c examples/felix.cfg'},
  ]
  static override args = {name: Args.string({description: 'Parameter name (case-insensitive), e.g. LogSeverityFile', required: true})}
  static override flags = {
    output: outputFlag(),
    host: hostFlag,
    'all-hosts': Flags.boolean({summary: 'The value on every host directory under /calico/v1/host/, grouped by value.', exclusive: ['host']}),
    'with-local': Flags.boolean({summary: "With --all-hosts: apply this machine's env and config file to every host (FelixHostname excepted).", dependsOn: ['all-hosts']}),
    'felix-version': felixVersionFlag,
    ...localSourceFlags,
    'no-local': noLocalFlag,
    ...datastoreFlags,
  }

  async run() {
    const {args, flags} = await this.parse(ConfigGet)
    if (flags['all-hosts']) return this.allHosts(args.name, flags)
    const result = await configGet(args.name, configContextOptions(flags))
    for (const w of result.warnings) this.err(w)
    this.out(await renderConfigGet(result, flags.output, colourEnabled()))
    if (flags.output !== 'json' && flags.output !== 'yaml') {
      const mine = paramDiagnostics(result)
      if (mine.length) this.err(renderDiagnostics(mine, colourEnabled(process.stderr)))
    }
    this.finish(problemExit(Boolean(result.fatal)))
    return result
  }

  /** The fleet path, loaded only when asked for: the single-get path stays small. */
  private async allHosts(name: string, flags: Parameters<typeof configContextOptions>[0] & {output: string; 'with-local'?: boolean}) {
    const [{configGetAllHosts}, {renderFleetGet}] = await Promise.all([import('../../services/config-fleet.js'), import('../../render/fleet.js')])
    const result = await configGetAllHosts(name, {...configContextOptions(flags), withLocal: flags['with-local']})
    for (const w of result.warnings) this.err(w)
    this.out(await renderFleetGet(result, flags.output, colourEnabled()))
    this.finish(problemExit(result.fatal.length > 0 || Boolean(result.global.fatal)))
    return result
  }
}
