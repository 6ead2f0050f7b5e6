import * as Flags from '@oclif/core/flags'
import {FelixctlCommand} from '../../cli/base.js'
import {configContextOptions, datastoreFlags, felixVersionFlag, localSourceFlags} from '../../cli/config-flags.js'
import {outputFlags} from '../../cli/flags.js'
import {OUTPUTS, parseOutput} from '../../render/output.js'
import {colourEnabled} from '../../render/format.js'
import {renderDiagnostics} from '../../render/config.js'
import {renderFleetDiff} from '../../render/fleet.js'
import {configDiff} from '../../services/config-fleet.js'
import {problemExit} from '../../services/exit-codes.js'

export default class ConfigDiff extends FelixctlCommand {
  static override summary = 'Compare the effective configuration of two host directories, or of one host directory against global.'
  static override description = `Each --host names a host directory under /calico/v1/host/. With one --host, the other side is "(global)": what a host without a host directory gets.
Both sides come from one read of the datastore. The env and file layers of remote hosts are not visible: by default both sides are evaluated with etcd alone; --with-local applies this machine's env and config file to both (FelixHostname excepted).
A row is shown when the value, the raw string or the source differs. A side where Felix would not start reports the values of its last successful pass, so for it a row is also shown for every parameter its own directory sets, with the raw value it holds marked "!" (e.g. !0x1).
Exit code 3 when Felix would not start on either side; 4 when a host directory does not exist.`
  static override examples = [
    {description: 'How does node1 differ from node2? (etcd read from a snapshot)', command: '<%= config.bin %> <%= command.id %> --host node1 --host node2 --snapshot examples/snapshot.json -c examples/felix.cfg'},
    {description: 'What node1 overrides, as JSON', command: '<%= config.bin %> <%= command.id %> --host node1 --snapshot examples/snapshot.json -c examples/felix.cfg -o json'},
  ]
  static override flags = {
    ...outputFlags(OUTPUTS.wide),
    host: Flags.string({summary: 'A host directory under /calico/v1/host/; give it twice to compare two hosts.', helpValue: 'NODE', multiple: true, required: true}),
    param: Flags.string({summary: 'Only this parameter (repeatable; any case, FELIX_NAME or an etcd key, as config get takes it).', helpValue: 'NAME', multiple: true}),
    'with-local': Flags.boolean({summary: "Apply this machine's env and config file to both sides (FelixHostname excepted)."}),
    'felix-version': felixVersionFlag,
    ...localSourceFlags,
    ...datastoreFlags,
  }

  async run() {
    const {flags} = await this.parse(ConfigDiff)
    const output = parseOutput(flags.output, flags['no-headers'], OUTPUTS.wide)
    const result = await configDiff(flags.host, {...configContextOptions({...flags, host: undefined}), params: flags.param, withLocal: flags['with-local']})
    for (const w of result.warnings) this.err(w)
    this.out(await renderFleetDiff(result, output, colourEnabled()))
    const diags = [...result.a.diagnostics, ...result.b.diagnostics]
    if (output.name !== 'json' && output.name !== 'yaml' && diags.length) this.err(renderDiagnostics(diags, colourEnabled(process.stderr)))
    this.finish(problemExit(Boolean(result.a.fatal || result.b.fatal)))
    return result
  }
}
