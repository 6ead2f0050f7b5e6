import * as Args from '@oclif/core/args'
import {FelixctlCommand} from '../../cli/base.js'
import {felixVersionFlag, hostFlag} from '../../cli/config-flags.js'
import {outputFlag} from '../../cli/flags.js'
import {colourEnabled} from '../../render/format.js'
import {renderConfigExplain} from '../../render/config.js'
import {configExplain} from '../../services/config-query.js'

export default class ConfigExplain extends FelixctlCommand {
  static override summary = 'Explain a Felix parameter: meaning, accepted values, default, flags, where to set it, and where the Calico docs are wrong.'
  static override description = `The text output ends with what a change does: Felix 2.0 reads its env and config file only when it starts, and restarts (or stops, when it can no longer resolve its configuration) on every change of its etcd configuration that changes its raw configuration map. docs/felix-restarts.md gives the rules with examples; \`config set --dry-run\` on an etcd layer shows which hosts restart, stop or recover.`
  static override examples = [
    {description: 'What does IptablesMarkMask accept?', command: '<%= config.bin %> <%= command.id %> IptablesMarkMask'},
    {description: 'The etcd keys for node7, as JSON', command: '<%= config.bin %> <%= command.id %> LogSeverityScreen --host node7 -o json'},
  ]
  static override args = {name: Args.string({description: 'Parameter name (case-insensitive)', required: true})}
  static override flags = {output: outputFlag(), host: hostFlag, 'felix-version': felixVersionFlag}

  async run() {
    const {args, flags} = await this.parse(ConfigExplain)
    const result = configExplain(args.name, {felixVersion: flags['felix-version'], host: flags.host})
    this.out(await renderConfigExplain(result, flags.output, colourEnabled()))
    return result
  }
}
