import * as Args from '@oclif/core/args'
import {FelixctlCommand} from '../../cli/base.js'
import {outputFlags} from '../../cli/flags.js'
import {OUTPUTS, parseOutput} from '../../render/output.js'
import {askQuestions, requireInteractive} from '../../cli/prompts.js'
import {renderOpenStackRender} from '../../render/openstack.js'
import {openstackRender, parseEtcdPort} from '../../services/openstack-render.js'
import {etcdFlags, releaseFlag} from '../../openstack/flags.js'

export default class OpenstackRender extends FelixctlCommand {
  static override summary = 'Print the settings Calico needs in nova.conf, neutron.conf, ml2_conf.ini or dhcp_agent.ini, for one OpenStack release.'
  static override description = `The snippet is in the oslo.config ini dialect, each setting preceded by a comment line saying why Calico needs it (oslo.config has no inline comments).
Releases before Liberty add dhcp_agents_per_network = 9999 and the DHCP agent's RoutedInterfaceDriver; nova's metadata proxy option is named and placed as the release expects ([DEFAULT] service_neutron_metadata_proxy up to Icehouse, [neutron] service_metadata_proxy from Juno).
[calico] options of the Neutron mechanism driver appear only when given (--etcd-*).
Where the seed page is wrong (ML2Plugin, localhost) the comments say so.
With no file kind on a terminal, felixctl asks; without a terminal that is a usage error (exit 2).`
  static override examples = [
    {description: 'neutron.conf for a Kilo cloud whose mechanism driver talks to etcd on 10.0.0.5:2379', command: '<%= config.bin %> <%= command.id %> neutron.conf --release kilo --etcd-host 10.0.0.5 --etcd-port 2379'},
    {description: 'All four files for the newest release, as JSON', command: '<%= config.bin %> <%= command.id %> all -o json'},
    {description: 'ml2_conf.ini for 2024.1 (Caracal)', command: '<%= config.bin %> <%= command.id %> ml2_conf.ini --release 2024.1'},
  ]
  static override args = {
    file: Args.string({description: 'nova.conf, neutron.conf, ml2_conf.ini, dhcp_agent.ini or all (asked for on a terminal when omitted)', required: false}),
  }
  static override flags = {...outputFlags(OUTPUTS.ini), release: releaseFlag, ...etcdFlags}

  async run() {
    const {args, flags} = await this.parse(OpenstackRender)
    const output = parseOutput(flags.output, flags['no-headers'], OUTPUTS.ini)
    let file = args.file
    let release = flags.release
    let etcdHost = flags['etcd-host']
    let etcdPort = flags['etcd-port']
    if (file === undefined) {
      requireInteractive('name the file to render (nova.conf, neutron.conf, ml2_conf.ini, dhcp_agent.ini or all)', {
        hint: 'felixctl asks interactively only when stdin and stdout are a terminal; for example: felixctl openstack render all --release kilo',
        code: 'no-tty',
      })
      const {renderQuestions, renderAnswers} = await import('../../openstack/prompt.js')
      const given = {release, etcdHost, etcdPort}
      const answers = renderAnswers(given, await askQuestions(renderQuestions(given), 'nothing rendered'))
      ;({file, release, etcdHost, etcdPort} = answers)
    }
    const result = openstackRender({
      file, release,
      etcd: {host: etcdHost, port: parseEtcdPort(etcdPort), keyFile: flags['etcd-key-file'], certFile: flags['etcd-cert-file'], caCertFile: flags['etcd-ca-cert-file']},
    })
    this.out(await renderOpenStackRender(result, output))
    return result
  }
}
