import * as Flags from '@oclif/core/flags'
import {FelixctlCommand} from '../../cli/base.js'
import {configContextOptions, datastoreFlags, felixVersionFlag, hostFlag, localSourceFlags, noLocalFlag} from '../../cli/config-flags.js'
import {outputFlags} from '../../cli/flags.js'
import {OUTPUTS, parseOutput} from '../../render/output.js'
import {colourEnabled} from '../../render/format.js'
import {renderConfigValidate} from '../../render/config-validate.js'
import {configValidate} from '../../services/config-validate.js'

export default class ConfigValidate extends FelixctlCommand {
  static override summary = 'Report every configuration problem at once, in all four layers.'
  static override description = `Fatal values (also in shadowed layers), values that fall back to the default, unknown keys with a did-you-mean, non-canonical spellings that override higher layers, local-only keys in etcd, ambiguous duplicates, deprecated EtcdAddr/EtcdScheme beside EtcdEndpoints, TLS files that do not exist, a missing Ready flag.
Exit 0 when clean, 3 when Felix would not start or a value is ignored; warnings alone exit 0 unless --strict.`
  static override examples = [
    {description: 'Validate what node2 would load (its IptablesMarkMask in etcd is fatal)', command: '<%= config.bin %> <%= command.id %> --host node2 -c examples/felix.cfg --snapshot examples/snapshot.json'},
    {description: 'Every host directory in one read, as JSON', command: '<%= config.bin %> <%= command.id %> --all-hosts --snapshot examples/snapshot.json -c examples/felix.cfg -o json'},
  ]
  static override flags = {
    ...outputFlags(OUTPUTS.wide),
    host: hostFlag,
    'all-hosts': Flags.boolean({summary: 'Check every host directory in etcd (one read).', exclusive: ['host']}),
    strict: Flags.boolean({summary: 'Warnings fail too (exit 3).'}),
    'felix-version': felixVersionFlag,
    ...localSourceFlags,
    'no-local': noLocalFlag,
    ...datastoreFlags,
  }

  async run() {
    const {flags} = await this.parse(ConfigValidate)
    const output = parseOutput(flags.output, flags['no-headers'], OUTPUTS.wide)
    const result = await configValidate({...configContextOptions(flags), allHosts: flags['all-hosts'], strict: flags.strict})
    for (const w of result.warnings) this.err(w)
    this.out(await renderConfigValidate(result, output, colourEnabled()))
    this.finish(result.exitCode)
    return result
  }
}
