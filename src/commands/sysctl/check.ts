import * as Flags from '@oclif/core/flags'
import {FelixctlCommand} from '../../cli/base.js'
import {outputFlags} from '../../cli/flags.js'
import {OUTPUTS, parseOutput} from '../../render/output.js'
import {colourEnabled, painter} from '../../render/format.js'
import {renderSysctlCheck} from '../../render/sysctl.js'
import {checkSysctl} from '../../services/sysctl/check.js'

export default class SysctlCheck extends FelixctlCommand {
  static override summary = 'Check the conntrack table size: live value, usage, and the value that wins at boot.'
  static override description = `Reads net.netfilter.nf_conntrack_max, nf_conntrack_count and nf_conntrack_buckets from /proc/sys, and every file systemd-sysctl (boot) and \`sysctl --system\` read, in their order: /etc/sysctl.d, /run/sysctl.d, /usr/local/lib/sysctl.d, /usr/lib/sysctl.d (/lib/sysctl.d when /lib is not /usr/lib), and /etc/sysctl.conf again at the end for \`sysctl --system\`.
Reports which file and line wins at boot, when \`sysctl --system\` would set another value, whether nf_conntrack is loaded and set to load at boot (modules-load.d, /etc/modules, or a udev rule), and the boot-order trap.
Read-only. Exit code 3 when the live or persisted value is below the recommendation (1000000 unless --value).`
  static override examples = [
    {description: 'Check this host (read-only)', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Check an image tree against a higher target, as JSON', command: '<%= config.bin %> <%= command.id %> --root test/fixtures/sysctl/debian-fresh --value 2000000 -o json'},
    {description: 'Every definition of the key, including files hidden by a same-named file', command: '<%= config.bin %> <%= command.id %> --root test/fixtures/sysctl/debian-fresh -o wide'},
  ]
  static override flags = {
    ...outputFlags(OUTPUTS.values),
    root: Flags.string({summary: 'Inspect the tree under DIR (DIR/proc/sys, DIR/etc, ...) instead of /.', helpValue: 'DIR'}),
    value: Flags.string({summary: 'The recommended value to compare with (1..2147483647).', default: '1000000', helpValue: 'N'}),
  }

  async run() {
    const {flags} = await this.parse(SysctlCheck)
    const output = parseOutput(flags.output, flags['no-headers'], OUTPUTS.values)
    const result = checkSysctl({root: flags.root, recommended: flags.value})
    this.out(await renderSysctlCheck(result, output, painter(colourEnabled())))
    this.finish(result.exitCode)
    return result
  }
}
