import {FelixctlCommand} from '../../cli/base.js'
import {configContextOptions, datastoreFlags, felixVersionFlag, hostFlag, localSourceFlags} from '../../cli/config-flags.js'
import {renderDatastoreExport} from '../../render/datastore.js'
import {outputFlags} from '../../cli/flags.js'
import {OUTPUTS, parseOutput} from '../../render/output.js'
import {datastoreExport} from '../../services/datastore.js'

export default class DatastoreExport extends FelixctlCommand {
  static override summary = 'Write a snapshot of both etcd config directories (and the Ready flag): the JSON that --snapshot reads.'
  static override description = 'For support bundles and offline diagnosis: `felixctl config list --snapshot FILE` later evaluates exactly what was in etcd. One read of the datastore.'
  static override examples = [
    {description: 'Re-export a snapshot (normally: from a live etcd)', command: '<%= config.bin %> <%= command.id %> --snapshot examples/snapshot.json'},
    {description: 'From a live etcd ($ETCD: its URL) into a file', command: '<%= config.bin %> <%= command.id %> --etcd-endpoints $ETCD > felix-snapshot.json'},
  ]
  static override flags = {
    ...outputFlags(OUTPUTS.json),
    host: hostFlag,
    'felix-version': felixVersionFlag,
    ...localSourceFlags,
    ...datastoreFlags,
  }

  async run() {
    const {flags} = await this.parse(DatastoreExport)
    const output = parseOutput(flags.output, flags['no-headers'], OUTPUTS.json)
    const result = await datastoreExport(configContextOptions(flags))
    for (const w of result.warnings) this.err(w)
    this.out(await renderDatastoreExport(result, output))
    this.err(`exported ${result.keys} keys from ${result.source.type} ${result.source.endpoints.join(',')}`)
    return result
  }
}
