import {FelixctlCommand} from '../../cli/base.js'
import {configContextOptions, datastoreFlags, felixVersionFlag, hostFlag, localSourceFlags} from '../../cli/config-flags.js'
import {outputFlag} from '../../cli/flags.js'
import {colourEnabled} from '../../render/format.js'
import {renderDatastoreStatus} from '../../render/datastore.js'
import {datastoreStatus} from '../../services/datastore.js'

export default class DatastoreStatus extends FelixctlCommand {
  static override summary = 'Show where Felix\'s datastore is, whether it answers, its Ready flag, and how many hosts have config.'
  static override description = "Connects the way Felix would (DatastoreType, EtcdEndpoints or EtcdScheme://EtcdAddr, TLS files from the env and file layers) unless overridden; where Felix sets none, calicoctl's own settings (/etc/calico/calicoctl.cfg, else ETCD_ENDPOINTS, ETCD_CA_CERT_FILE, ETCD_CERT_FILE, ETCD_KEY_FILE). Shows where each part of the connection came from. Exit 5 when etcd cannot be reached."
  static override examples = [
    {description: 'Status of a snapshot (offline)', command: '<%= config.bin %> <%= command.id %> --snapshot examples/snapshot.json'},
    {description: 'A specific etcd ($ETCD: its URL), as JSON, giving up after 2 seconds', command: '<%= config.bin %> <%= command.id %> --etcd-endpoints $ETCD --etcd-timeout 2s -o json'},
  ]
  static override flags = {output: outputFlag(['table', 'json', 'yaml']), host: hostFlag, 'felix-version': felixVersionFlag, ...localSourceFlags, ...datastoreFlags}

  async run() {
    const {flags} = await this.parse(DatastoreStatus)
    const result = await datastoreStatus(configContextOptions(flags))
    this.out(await renderDatastoreStatus(result, flags.output, colourEnabled()))
    if (result.error && flags.output === 'table') this.err(`error: ${result.error}`)
    this.finish(result.exitCode)
    return result
  }
}
