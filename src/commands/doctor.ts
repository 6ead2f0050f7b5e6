import * as Flags from '@oclif/core/flags'
import {FelixctlCommand} from '../cli/base.js'
import {configContextOptions, datastoreFlags, felixVersionFlag, hostFlag, localSourceFlags} from '../cli/config-flags.js'
import {outputFlags} from '../cli/flags.js'
import {OUTPUTS, parseOutput} from '../render/output.js'
import {releaseFlag} from '../openstack/flags.js'
import {colourEnabled} from '../render/format.js'
import {renderDoctor} from '../render/doctor.js'
import {doctor} from '../services/doctor.js'

export default class Doctor extends FelixctlCommand {
  static override summary = 'Run every check at once: Felix configuration, datastore, conntrack sysctl and (when present) OpenStack files.'
  static override description = 'Prints one summary with a line per finding and the command that fixes it. The exit code is the worst of the parts (see docs/exit-codes.md); -o json merges the parts\' documents.'
  static override examples = [
    {description: 'Everything for node2, offline: config from files and a snapshot, sysctl from a prepared tree', command: '<%= config.bin %> <%= command.id %> --host node2 -c examples/felix.cfg --snapshot examples/snapshot.json --root test/fixtures/sysctl/debian-fresh'},
    {description: 'Include an OpenStack check of a copy of neutron.conf, as JSON', command: '<%= config.bin %> <%= command.id %> --snapshot examples/snapshot.json -c examples/felix.cfg --root test/fixtures/sysctl/debian-fresh --neutron test/fixtures/openstack/neutron-page.conf -o json'},
  ]
  static override flags = {
    ...outputFlags(OUTPUTS.table),
    host: hostFlag,
    'felix-version': felixVersionFlag,
    ...localSourceFlags,
    ...datastoreFlags,
    root: Flags.string({summary: 'Check the sysctl tree under DIR instead of / (DIR/proc/sys, DIR/etc/sysctl.d, ...).', helpValue: 'DIR'}),
    openstack: Flags.boolean({summary: 'Check the OpenStack files even when none exists at its usual location.'}),
    nova: Flags.string({summary: 'nova.conf to check.', helpValue: 'PATH'}),
    neutron: Flags.string({summary: 'neutron.conf to check.', helpValue: 'PATH'}),
    ml2: Flags.string({summary: 'ml2_conf.ini to check.', helpValue: 'PATH'}),
    dhcp: Flags.string({summary: 'dhcp_agent.ini to check.', helpValue: 'PATH'}),
    release: releaseFlag,
  }

  async run() {
    const {flags} = await this.parse(Doctor)
    const output = parseOutput(flags.output, flags['no-headers'], OUTPUTS.table)
    const result = await doctor({
      ...configContextOptions(flags),
      root: flags.root,
      openstack: flags.openstack,
      openstackPaths: {'nova.conf': flags.nova, 'neutron.conf': flags.neutron, 'ml2_conf.ini': flags.ml2, 'dhcp_agent.ini': flags.dhcp},
      release: flags.release,
    })
    this.out(await renderDoctor(result, output, colourEnabled()))
    this.finish(result.exitCode)
    return result
  }
}
