import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {FelixctlCommand} from '../../cli/base.js'
import {felixVersionFlag, hostFlag} from '../../cli/config-flags.js'
import {outputFlags} from '../../cli/flags.js'
import {OUTPUTS, parseOutput} from '../../render/output.js'
import {colourEnabled} from '../../render/format.js'
import {UsageError} from '../../errors.js'
import {renderConfigExplain, renderConfigExplainAll} from '../../render/config.js'
import {configExplain, configExplainAll} from '../../services/config-query.js'

export default class ConfigExplain extends FelixctlCommand {
  static override summary = 'Explain a Felix parameter: meaning, accepted values, default, flags, where to set it, and where the Calico docs are wrong.'
  static override description = `The name may be given in any case, as the environment variable (FELIX_IPINIPMTU) or as the etcd key (/calico/v1/config/IpInIpMtu, /calico/v1/host/HOST/config/IpInIpMtu).
With no name, or --all: every parameter of the Felix version, one row each (offline).
The text output ends with what a change does: Felix 2.0 reads its env and config file only when it starts, and restarts (or stops, when it can no longer resolve its configuration) on every change of its etcd configuration that changes its raw configuration map. docs/felix-restarts.md gives the rules with examples; \`config set --dry-run\` on an etcd layer shows which hosts restart, stop or recover.`
  static override examples = [
    {description: 'What does IptablesMarkMask accept?', command: '<%= config.bin %> <%= command.id %> IptablesMarkMask'},
    {description: 'Every parameter, with its env var and description', command: '<%= config.bin %> <%= command.id %> --all -o wide'},
    {description: 'The names of the parameters that stop Felix when invalid', command: "<%= config.bin %> <%= command.id %> -o jsonpath='{range .items[?(@.flags.dieOnFail==true)]}{.name}{\"\\n\"}{end}'"},
    {description: 'The etcd keys for node7, as JSON', command: '<%= config.bin %> <%= command.id %> LogSeverityScreen --host node7 -o json'},
  ]
  static override args = {name: Args.string({description: 'Parameter name (case-insensitive), env var or etcd key; none: every parameter'})}
  static override flags = {
    ...outputFlags(OUTPUTS.wide),
    all: Flags.boolean({summary: 'Every parameter, one row each (the same as giving no name).'}),
    host: hostFlag,
    'felix-version': felixVersionFlag,
  }

  async run() {
    const {args, flags} = await this.parse(ConfigExplain)
    const output = parseOutput(flags.output, flags['no-headers'], OUTPUTS.wide)
    if (args.name === undefined || flags.all) {
      if (args.name !== undefined) throw new UsageError('give a parameter name or --all, not both')
      const all = configExplainAll({felixVersion: flags['felix-version'], host: flags.host})
      this.out(await renderConfigExplainAll(all, output, colourEnabled()))
      return all
    }
    const result = configExplain(args.name, {felixVersion: flags['felix-version'], host: flags.host})
    this.out(await renderConfigExplain(result, output, colourEnabled()))
    return result
  }
}
