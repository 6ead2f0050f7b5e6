import * as Flags from '@oclif/core/flags'
import {FelixctlCommand} from '../../cli/base.js'
import {outputFlags} from '../../cli/flags.js'
import {OUTPUTS, parseOutput} from '../../render/output.js'
import {isInteractive, promptConfirm} from '../../cli/prompts.js'
import {colourEnabled, painter} from '../../render/format.js'
import {renderSysctlApply, renderSysctlApplyText, type SysctlFormat} from '../../render/sysctl.js'
import {applySysctl, type SysctlApplyResult} from '../../services/sysctl/apply.js'

export default class SysctlApply extends FelixctlCommand {
  static override summary = 'Raise the conntrack table size live and persistently, idempotently.'
  static override description = `Writes net.netfilter.nf_conntrack_max through /proc/sys and makes the value win at boot (systemd-sysctl) and with \`sysctl --system\` (which reads /etc/sysctl.conf last), with the fewest edits: /etc/sysctl.d/99-zz-felixctl-conntrack.conf (or --persist-to FILE) when nothing persists it yet; a file under /etc that would win with another value is edited in place (comments kept, duplicate lines collapsed); a file under /run, /usr/local/lib, /usr/lib or /lib is never edited but hidden by a file of the same name in /etc/sysctl.d that keeps its other lines.
Adds /etc/modules-load.d/felixctl-conntrack.conf when nothing loads nf_conntrack at boot (systemd-sysctl skips the key otherwise), unless --no-load-module; --load-module also runs modprobe nf_conntrack now (not under --root).
Never lowers a value that is already higher unless --force. Running it twice changes nothing the second time.
Exit code 2 for --persist-to under /usr or /run, 3 when the value given is invalid or the result still misses the recommendation, 6 when /proc/sys or a file cannot be written (nothing is half-written).`
  static override examples = [
    {description: 'Show what would change on a copy of an image tree, writing nothing', command: '<%= config.bin %> <%= command.id %> --root test/fixtures/sysctl/debian-fresh --dry-run'},
    {description: 'Prepare an image: persist 2000000 and load nf_conntrack at boot', command: 'rm -rf /tmp/img && cp -a test/fixtures/sysctl/debian-fresh /tmp/img && <%= config.bin %> <%= command.id %> --root /tmp/img --value 2000000 --load-module --yes'},
    {description: 'Persist in /etc/sysctl.conf of the tree (replacing an existing line)', command: '<%= config.bin %> <%= command.id %> --root /tmp/img --persist-to /etc/sysctl.conf --yes -o json'},
  ]
  static override flags = {
    ...outputFlags(OUTPUTS.values),
    root: Flags.string({summary: 'Operate on the tree under DIR (DIR/proc/sys, DIR/etc, ...) instead of /.', helpValue: 'DIR'}),
    value: Flags.string({summary: 'The value to set (1..2147483647).', default: '1000000', helpValue: 'N'}),
    'persist-to': Flags.string({summary: 'Persist in FILE (/etc/sysctl.conf or a *.conf in /etc/sysctl.d) instead of the felixctl drop-in.', helpValue: 'FILE', exclusive: ['no-persist']}),
    'no-persist': Flags.boolean({summary: 'Only set the live value.', default: false}),
    'dry-run': Flags.boolean({summary: 'Show what would change (with diffs) and write nothing.', default: false}),
    yes: Flags.boolean({char: 'y', summary: 'Do not ask for confirmation on a terminal.', default: false}),
    force: Flags.boolean({summary: 'Lower a value that is already higher.', default: false}),
    'load-module': Flags.boolean({
      summary: 'Load nf_conntrack now too (modprobe; skipped with --root). --no-load-module: no /etc/modules-load.d entry either.',
      description: 'Without the flag, /etc/modules-load.d/felixctl-conntrack.conf is written when nothing loads nf_conntrack at boot. --no-load-module skips it, and the persisted value will not hold after a reboot.',
      allowNo: true,
    }),
  }

  async run() {
    const {flags} = await this.parse(SysctlApply)
    const format: SysctlFormat = parseOutput(flags.output, flags['no-headers'], OUTPUTS.values)
    const paint = painter(colourEnabled())
    const interactive = isInteractive() && !flags.yes && !flags['dry-run']
    const result = await applySysctl({
      root: flags.root,
      value: flags.value,
      persistTo: flags['persist-to'],
      noPersist: flags['no-persist'],
      dryRun: flags['dry-run'],
      force: flags.force,
      loadModule: flags['load-module'],
      confirm: interactive ? (plan) => this.confirmPlan(plan) : undefined,
    })
    this.out(await renderSysctlApply(result, format, paint))
    this.finish(result.exitCode)
    return result
  }

  private async confirmPlan(plan: SysctlApplyResult): Promise<boolean> {
    this.err(renderSysctlApplyText(plan, 'table', painter(colourEnabled(process.stderr)), true))
    return promptConfirm('Apply these changes?')
  }
}
