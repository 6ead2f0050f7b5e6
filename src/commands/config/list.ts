import * as Flags from '@oclif/core/flags'
import {FelixctlCommand} from '../../cli/base.js'
import {configContextOptions, datastoreFlags, felixVersionFlag, hostFlag, localSourceFlags, noLocalFlag} from '../../cli/config-flags.js'
import {outputFlags} from '../../cli/flags.js'
import {OUTPUTS, parseOutput, type OutputFormat} from '../../render/output.js'
import {colourEnabled} from '../../render/format.js'
import {renderConfigList, renderDiagnostics} from '../../render/config.js'
import {configList} from '../../services/config-query.js'
import {problemExit} from '../../services/exit-codes.js'

export default class ConfigList extends FelixctlCommand {
  static override summary = 'List every Felix parameter with its effective value, source and origin.'
  static override description = `Unknown keys and diagnostics (invalid values, local-only keys in etcd, spelling quirks) follow the table; diagnostics go to stderr, or into the document with -o json.
With --all-hosts: for every host directory under /calico/v1/host/, the parameters whose effective value differs from the global one (every parameter with --all), as a host × parameter matrix (a list in JSON), from one read of the datastore. The env and file layers of remote hosts are not visible; --with-local applies this machine's to every host (FelixHostname excepted).
Exit code 3 when Felix would not start with this configuration (on any host, with --all-hosts; the result is still printed).`
  static override examples = [
    {description: 'Everything, from a config file and an etcd snapshot', command: '<%= config.bin %> <%= command.id %> -c examples/felix.cfg --snapshot examples/snapshot.json --host node1'},
    {description: 'Only what some layer sets, as JSON', command: '<%= config.bin %> <%= command.id %> --changed -c examples/felix.cfg --snapshot examples/snapshot.json -o json'},
    {description: 'Which host directories override which global values', command: '<%= config.bin %> <%= command.id %> --all-hosts --snapshot examples/snapshot.json -c examples/felix.cfg'},
    {description: 'Two parameters on every host, as JSON', command: '<%= config.bin %> <%= command.id %> --all-hosts --all --param IpInIpMtu --param LogSeverityScreen --snapshot examples/snapshot.json -c examples/felix.cfg -o json'},
  ]
  static override flags = {
    ...outputFlags(OUTPUTS.values),
    changed: Flags.boolean({summary: 'Only parameters that some layer sets (env, file or etcd), even to their default value: a value set to the default still hides the layers below it.'}),
    host: hostFlag,
    'all-hosts': Flags.boolean({summary: 'Every host directory under /calico/v1/host/: the parameters that differ from their global value.', exclusive: ['host', 'changed']}),
    param: Flags.string({summary: 'With --all-hosts: only this parameter (repeatable; any case, FELIX_NAME or an etcd key, as config get takes it).', helpValue: 'NAME', multiple: true, dependsOn: ['all-hosts']}),
    all: Flags.boolean({summary: 'With --all-hosts: every parameter on every host, not only the differences.', dependsOn: ['all-hosts']}),
    'with-local': Flags.boolean({summary: "With --all-hosts: apply this machine's env and config file to every host (FelixHostname excepted).", dependsOn: ['all-hosts']}),
    'felix-version': felixVersionFlag,
    ...localSourceFlags,
    'no-local': noLocalFlag,
    ...datastoreFlags,
  }

  async run() {
    const {flags} = await this.parse(ConfigList)
    // --all-hosts has no single value per row: -o value is refused before the datastore is read.
    const output = parseOutput(flags.output, flags['no-headers'], flags['all-hosts'] ? OUTPUTS.wide : OUTPUTS.values)
    if (flags['all-hosts']) return this.allHosts(flags, output)
    const result = await configList({...configContextOptions(flags), changed: flags.changed})
    for (const w of result.warnings) this.err(w)
    this.out(await renderConfigList(result, output, colourEnabled()))
    if (output.name !== 'json' && output.name !== 'yaml' && result.resolution.diagnostics.length) {
      this.err(renderDiagnostics(result.resolution.diagnostics, colourEnabled(process.stderr)))
    }
    this.finish(problemExit(Boolean(result.resolution.fatal)))
    return result
  }

  /** The fleet path, loaded only when asked for. */
  private async allHosts(flags: Parameters<typeof configContextOptions>[0] & {param?: string[]; all?: boolean; 'with-local'?: boolean}, output: OutputFormat) {
    const [{configListAllHosts}, {fleetListJsonChunks, renderFleetList}] = await Promise.all([import('../../services/config-fleet.js'), import('../../render/fleet.js')])
    const result = await configListAllHosts({...configContextOptions(flags), params: flags.param, all: flags.all, withLocal: flags['with-local']})
    for (const w of result.warnings) this.err(w)
    if (output.name === 'json') {
      // Written piece by piece: at 10,000 hosts the whole document is most of the peak memory.
      for (const chunk of fleetListJsonChunks(result)) this.out(chunk)
    } else this.out(await renderFleetList(result, output, colourEnabled()))
    if (output.name !== 'json' && output.name !== 'yaml') {
      const diags = [...result.global.diagnostics, ...result.hosts.flatMap((h) => h.diagnostics)]
      if (diags.length) this.err(renderDiagnostics(diags, colourEnabled(process.stderr)))
    }
    this.finish(problemExit(Boolean(result.global.fatal) || result.hosts.some((h) => h.fatal)))
    return result
  }
}
