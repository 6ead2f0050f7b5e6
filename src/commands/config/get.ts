import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {FelixctlCommand} from '../../cli/base.js'
import {configContextOptions, datastoreFlags, felixVersionFlag, hostFlag, localSourceFlags, noLocalFlag} from '../../cli/config-flags.js'
import {outputFlags} from '../../cli/flags.js'
import {OUTPUTS, parseOutput, type OutputFormat} from '../../render/output.js'
import {UsageError} from '../../errors.js'
import {colourEnabled} from '../../render/format.js'
import {paramDiagnostics, renderConfigGet, renderDiagnostics} from '../../render/config.js'
import {configGetMany} from '../../services/config-query.js'
import {problemExit} from '../../services/exit-codes.js'

export default class ConfigGet extends FelixctlCommand {
  static override summary = 'Show the value Felix uses for one or more parameters, where it comes from, and every layer that sets it.'
  static override description = `Names may be given in any case, as the environment variable (FELIX_IPINIPMTU) or as the etcd key (/calico/v1/config/IpInIpMtu; /calico/v1/host/HOST/config/IpInIpMtu also evaluates HOST's directory). Several names are read from one read of every layer; -o json then prints {"items": [...]}.
Values that come from etcd show the key's revision (wide: Revision; JSON: origin.revision), the number --if-revision of config set|unset takes.
Reproduces Felix 2.0.x's merge of environment, config file, per-host etcd and global etcd exactly, quirks included.
Each layer's raw value is shown with its status: effective, shadowed, invalid-default (did not parse: Felix uses the default but the layer still wins), ignored, or fatal.
With --all-hosts: the value on every host directory under /calico/v1/host/, grouped by value with counts, from one read of the datastore (remote hosts' env and file layers are not visible; --with-local applies this machine's).
Exit code 3 when Felix would not start with this configuration (on any host, with --all-hosts; the result is still printed); 4 for an unknown parameter.`
  static override examples = [
    {description: 'Which log level does node1 use, with etcd read from a snapshot?', command: '<%= config.bin %> <%= command.id %> LogSeverityFile --host node1 --snapshot examples/snapshot.json -c examples/felix.cfg'},
    {description: 'The same as JSON, with the environment of an env file', command: '<%= config.bin %> <%= command.id %> logseverityfile --env-file examples/felix.env -c examples/felix.cfg --snapshot examples/snapshot.json -o json'},
    {description: 'Parameter names are case-insensitive', command: '<%= config.bin %> <%= command.id %> ipinipmtu -c examples/felix.cfg --snapshot examples/snapshot.json'},
    {description: 'Two parameters, only their values (one per line)', command: '<%= config.bin %> <%= command.id %> IpInIpMtu FELIX_LOGSEVERITYSCREEN -c examples/felix.cfg --snapshot examples/snapshot.json -o value'},
    {description: 'A per-host etcd key as the name, picked with jsonpath', command: "<%= config.bin %> <%= command.id %> /calico/v1/host/node1/config/IpInIpMtu --snapshot examples/snapshot.json -c examples/felix.cfg -o jsonpath='{.value}{\"\\n\"}'"},
    {description: 'IpInIpMtu on every host directory, grouped by value', command: '<%= config.bin %> <%= command.id %> IpInIpMtu --all-hosts --snapshot examples/snapshot.json -c examples/felix.cfg'},
  ]
  static override args = {name: Args.string({description: 'Parameter name (case-insensitive), env var or etcd key, e.g. LogSeverityFile; several may be given', required: true})}
  // Several names: the rest of argv.
  static override strict = false
  static override flags = {
    ...outputFlags(OUTPUTS.values),
    host: hostFlag,
    'all-hosts': Flags.boolean({summary: 'The value on every host directory under /calico/v1/host/, grouped by value.', exclusive: ['host']}),
    'with-local': Flags.boolean({summary: "With --all-hosts: apply this machine's env and config file to every host (FelixHostname excepted).", dependsOn: ['all-hosts']}),
    'felix-version': felixVersionFlag,
    ...localSourceFlags,
    'no-local': noLocalFlag,
    ...datastoreFlags,
  }

  async run() {
    const {argv, flags} = await this.parse(ConfigGet)
    const names = argv as string[]
    const output = parseOutput(flags.output, flags['no-headers'], OUTPUTS.values)
    if (flags['all-hosts']) {
      if (names.length > 1) throw new UsageError('--all-hosts shows one parameter at a time', {hint: `felixctl config list --all-hosts --all ${names.map((n) => `--param ${n}`).join(' ')}`})
      return this.allHosts(names[0], flags, output)
    }
    const results = await configGetMany(names, configContextOptions(flags))
    for (const w of results[0].warnings) this.err(w)
    this.out(await renderConfigGet(results.length === 1 ? results[0] : results, output, colourEnabled()))
    if (output.name !== 'json' && output.name !== 'yaml') {
      const mine = results.flatMap((r) => paramDiagnostics(r))
      if (mine.length) this.err(renderDiagnostics(mine, colourEnabled(process.stderr)))
    }
    this.finish(problemExit(results.some((r) => Boolean(r.fatal))))
    return results.length === 1 ? results[0] : results
  }

  /** The fleet path, loaded only when asked for: the single-get path stays small. */
  private async allHosts(name: string, flags: Parameters<typeof configContextOptions>[0] & {'with-local'?: boolean}, output: OutputFormat) {
    const [{configGetAllHosts}, {renderFleetGet}] = await Promise.all([import('../../services/config-fleet.js'), import('../../render/fleet.js')])
    const result = await configGetAllHosts(name, {...configContextOptions(flags), withLocal: flags['with-local']})
    for (const w of result.warnings) this.err(w)
    this.out(await renderFleetGet(result, output, colourEnabled()))
    this.finish(problemExit(result.fatal.length > 0 || Boolean(result.global.fatal)))
    return result
  }
}
