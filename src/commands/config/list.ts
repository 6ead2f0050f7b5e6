import {Flags} from '@oclif/core'
import {FelixctlCommand} from '../../cli/base.js'
import {configContextOptions, datastoreFlags, felixVersionFlag, hostFlag, localSourceFlags} from '../../cli/config-flags.js'
import {outputFlag} from '../../cli/flags.js'
import {colourEnabled} from '../../render/format.js'
import {renderConfigList, renderDiagnostics} from '../../render/config.js'
import {configList} from '../../services/config-query.js'

export default class ConfigList extends FelixctlCommand {
  static override summary = 'List every Felix parameter with its effective value, source and origin.'
  static override description = `Unknown keys and diagnostics (invalid values, local-only keys in etcd, spelling quirks) follow the table; diagnostics go to stderr, or into the document with -o json.
Exit code 3 when Felix would not start with this configuration (the result is still printed).`
  static override examples = [
    {description: 'Everything, from a config file and an etcd snapshot', command: '<%= config.bin %> <%= command.id %> -c examples/felix.cfg --snapshot examples/snapshot.json --host node1'},
    {description: 'Only what is not at its default, as JSON', command: '<%= config.bin %> <%= command.id %> --changed -c examples/felix.cfg --snapshot examples/snapshot.json -o json'},
  ]
  static override flags = {
    output: outputFlag(),
    changed: Flags.boolean({summary: 'Only parameters not at their default.'}),
    host: hostFlag,
    'felix-version': felixVersionFlag,
    ...localSourceFlags,
    ...datastoreFlags,
  }

  async run() {
    const {flags} = await this.parse(ConfigList)
    const result = await configList({...configContextOptions(flags), changed: flags.changed})
    for (const w of result.warnings) this.err(w)
    this.out(await renderConfigList(result, flags.output, colourEnabled()))
    if (flags.output !== 'json' && flags.output !== 'yaml' && result.resolution.diagnostics.length) {
      this.err(renderDiagnostics(result.resolution.diagnostics, colourEnabled(process.stderr)))
    }
    this.finish(result.resolution.fatal ? 3 : 0)
    return result
  }
}
