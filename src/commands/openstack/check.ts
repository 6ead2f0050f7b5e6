import * as Flags from '@oclif/core/flags'
import {FelixctlCommand} from '../../cli/base.js'
import {outputFlags} from '../../cli/flags.js'
import {OUTPUTS, parseOutput} from '../../render/output.js'
import {colourEnabled, painter} from '../../render/format.js'
import {renderOpenStackCheck} from '../../render/openstack.js'
import {openstackCheck} from '../../services/openstack-check.js'
import {releaseFlag} from '../../openstack/flags.js'

export default class OpenstackCheck extends FelixctlCommand {
  static override summary = 'Check nova.conf, neutron.conf, ml2_conf.ini and dhcp_agent.ini against what Calico needs.'
  static override description = `Files are read as oslo.config reads them (no inline comments, continuation lines, [DEFAULT] but not [default], the last of repeated keys), followed by <service>.conf.d/*.conf when present.
Reports every broken requirement with file, section, line and the fix: the metadata proxy (both spellings), core_plugin (ml2 or its class path; the seed page's ML2Plugin does not exist), dhcp_agents_per_network and the DHCP interface driver before Liberty, the ML2 lists, and a file oslo.config cannot read.
A file at its usual location that does not exist is skipped (info); a file named with a flag must exist (exit 6).
Exit code 3 when a requirement is broken.`
  static override examples = [
    {description: 'Check the files at their usual locations for a Kilo cloud (absent files are skipped)', command: '<%= config.bin %> <%= command.id %> --release kilo'},
    {description: 'Check a copy of neutron.conf, as JSON', command: '<%= config.bin %> <%= command.id %> --neutron test/fixtures/openstack/neutron-page.conf -o json'},
  ]
  static override flags = {
    nova: Flags.string({summary: 'nova.conf to check (default /etc/nova/nova.conf, skipped when absent).', helpValue: 'PATH'}),
    neutron: Flags.string({summary: 'neutron.conf to check (default /etc/neutron/neutron.conf, skipped when absent).', helpValue: 'PATH'}),
    ml2: Flags.string({summary: 'ml2_conf.ini to check (default /etc/neutron/plugins/ml2/ml2_conf.ini, skipped when absent).', helpValue: 'PATH'}),
    dhcp: Flags.string({summary: 'dhcp_agent.ini to check (default /etc/neutron/dhcp_agent.ini, skipped when absent).', helpValue: 'PATH'}),
    release: releaseFlag,
    ...outputFlags(OUTPUTS.table),
  }

  async run() {
    const {flags} = await this.parse(OpenstackCheck)
    const output = parseOutput(flags.output, flags['no-headers'], OUTPUTS.table)
    const result = openstackCheck({
      release: flags.release,
      paths: {'nova.conf': flags.nova, 'neutron.conf': flags.neutron, 'ml2_conf.ini': flags.ml2, 'dhcp_agent.ini': flags.dhcp},
    })
    this.out(await renderOpenStackCheck(result, output, painter(colourEnabled())))
    this.finish(result.exitCode)
    return result
  }
}
