import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {FelixctlCommand} from '../../cli/base.js'
import {outputFlags} from '../../cli/flags.js'
import {OUTPUTS, parseOutput} from '../../render/output.js'
import {renderOpenStackApply, renderOpenStackNotes} from '../../render/openstack.js'
import {openstackApply} from '../../services/openstack-apply.js'
import {parseEtcdPort} from '../../services/openstack-render.js'
import {etcdFlags, releaseFlag} from '../../openstack/flags.js'

export default class OpenstackApply extends FelixctlCommand {
  static override summary = 'Merge the settings Calico needs into an existing OpenStack config file, in place.'
  static override description = `Existing keys are changed where they are, missing keys are added to their section (created when absent) with a comment saying why; every other line (comments, blank lines, order, unrelated and repeated keys) is kept byte for byte, and so are the file's mode and owner. The file is replaced atomically.
List options (mechanism_drivers, type_drivers, tenant_network_types) keep the items already there and gain the ones Calico needs.
A second apply changes nothing and says so. --dry-run prints a unified diff and writes nothing.
Give the kind and --file PATH, or only the path when its name says the kind (/etc/nova/nova.conf).
A file that oslo.config cannot read is refused (exit 3, nothing written); a missing file is exit 6 unless --create.`
  static override examples = [
    {description: 'Preview creating an ml2_conf.ini with only Calico\'s settings (writes nothing)', command: '<%= config.bin %> <%= command.id %> ml2_conf.ini --file ./ml2_conf.ini --create --dry-run'},
    {description: 'The kind taken from the file name: preview creating ./ml2_conf.ini (writes nothing)', command: '<%= config.bin %> <%= command.id %> ./ml2_conf.ini --create --dry-run'},
    {description: 'Create or update a local copy of neutron.conf for a Kilo cloud, keeping a .bak', command: '<%= config.bin %> <%= command.id %> neutron.conf --file ./neutron.conf --create --backup --release kilo --etcd-host 10.0.0.5'},
  ]
  static override args = {
    file: Args.string({description: 'nova.conf, neutron.conf, ml2_conf.ini or dhcp_agent.ini; or the file\'s path when its name is one of these', required: true}),
  }
  static override flags = {
    file: Flags.string({char: 'f', summary: 'The file to edit (default: the argument, when it is a path named like its kind).', helpValue: 'PATH'}),
    release: releaseFlag,
    ...etcdFlags,
    'dry-run': Flags.boolean({summary: 'Print a unified diff of the change; write nothing.'}),
    backup: Flags.boolean({summary: 'Copy the original to PATH.bak before replacing it.'}),
    create: Flags.boolean({summary: 'Create the file when it does not exist.'}),
    'follow-symlinks': Flags.boolean({summary: 'Edit through a symbolic link that points outside the file\'s directory.'}),
    ...outputFlags(OUTPUTS.table),
  }

  async run() {
    const {args, flags} = await this.parse(OpenstackApply)
    // "text" was this command's name for its table form: still accepted.
    const output = parseOutput(flags.output, flags['no-headers'], OUTPUTS.table, {text: 'table'})
    const result = openstackApply({
      file: args.file, path: flags.file, release: flags.release,
      etcd: {host: flags['etcd-host'], port: parseEtcdPort(flags['etcd-port']), keyFile: flags['etcd-key-file'], certFile: flags['etcd-cert-file'], caCertFile: flags['etcd-ca-cert-file']},
      dryRun: flags['dry-run'], backup: flags.backup, create: flags.create, followSymlinks: flags['follow-symlinks'],
    })
    this.out(await renderOpenStackApply(result, output))
    if (output.name === 'table') {
      if (result.dryRun && !result.changed) this.err(`${result.path}: already has every setting Calico needs; nothing would change`)
      this.err(renderOpenStackNotes(result.notes))
    }
    return result
  }
}
