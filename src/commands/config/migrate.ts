import * as Flags from '@oclif/core/flags'
import {FelixctlCommand} from '../../cli/base.js'
import {configContextOptions, datastoreFlags, felixVersionFlag, localSourceFlags} from '../../cli/config-flags.js'
import {outputFlags} from '../../cli/flags.js'
import {OUTPUTS, parseOutput} from '../../render/output.js'
import {colourEnabled} from '../../render/format.js'
import {renderMigrateDiff, renderMigrateReport, renderMigrateReportJson, renderMigrateResources} from '../../render/migrate.js'
import {configMigrate, writeMigrateReport} from '../../services/config-migrate.js'
import {problemExit} from '../../services/exit-codes.js'

export default class ConfigMigrate extends FelixctlCommand {
  static override summary = 'Write the Calico v3 FelixConfiguration and ClusterInformation resources that keep Felix doing what Felix 2.0 did with the etcd keys.'
  static override description = `Reads the global and per-host config keys once (etcd v2, as Felix 2.0 reads them, or --snapshot) and writes FelixConfiguration "default", one FelixConfiguration "node.<name>" per host directory with config keys (name as calico-upgrade's ConvertNodeName makes it) and ClusterInformation "default", as calicoctl apply -f takes them. Values are what Felix 2.0 used: any spelling of a key, parsed as Felix parsed it, durations as v3 durations (30s, 1.5s), port lists as {protocol, port}, IptablesMarkMask as a number, log levels as Debug|Info|Warning|Error|Fatal.
The report on stderr (and --report FILE as JSON) names every key that does not carry over unchanged, each with a stable code (docs/migrate.md). Defaults that Felix 3 changed are reported; --pin-defaults writes Felix 2.0's into "default". With --with-local (or -c/--env-file) this machine's env and file settings are listed as the FELIX_* variables to keep.
--diff prints, per host, the parameters whose effective value changes between Felix 2.0 and Felix 3 with these resources (all rows with -o json) instead of the resources.
Exit code 3 when felixctl refuses (a die-on-fail value Felix 2.0 never started with, unless --force; two host directories with one v3 name) and, with --diff, when any value differs.`
  static override examples = [
    {description: 'The v3 resources for a snapshot of the etcd keys, with the report on stderr', command: '<%= config.bin %> <%= command.id %> --snapshot examples/snapshot.json --force'},
    {description: 'As JSON, keeping the Felix 2.0 defaults', command: '<%= config.bin %> <%= command.id %> --snapshot examples/snapshot.json -o json --pin-defaults --force'},
    {description: 'What would change on node1', command: '<%= config.bin %> <%= command.id %> --snapshot examples/snapshot.json --diff --host node1 --force'},
  ]
  static override flags = {
    ...outputFlags(OUTPUTS.yaml),
    host: Flags.string({summary: 'Only this host directory under /calico/v1/host/ gets a node resource (repeatable).', helpValue: 'NODE', multiple: true}),
    'pin-defaults': Flags.boolean({summary: "Write Felix 2.0's default into \"default\" for every parameter whose Felix 3 default differs and that no global key sets."}),
    'with-local': Flags.boolean({summary: "List this machine's env and config file settings as the FELIX_* variables to keep (also with -c or --env-file)."}),
    report: Flags.string({summary: 'Also write the report as JSON to this file.', helpValue: 'FILE'}),
    diff: Flags.boolean({summary: 'Show, per host, what changes between Felix 2.0 and Felix 3 with these resources, instead of the resources.'}),
    force: Flags.boolean({summary: 'Leave out die-on-fail values Felix 2.0 never started with, instead of refusing.'}),
    'felix-version': felixVersionFlag,
    ...localSourceFlags,
    ...datastoreFlags,
  }

  async run() {
    const {flags} = await this.parse(ConfigMigrate)
    const output = parseOutput(flags.output, flags['no-headers'], OUTPUTS.yaml)
    const listLocal = Boolean(flags['with-local'] || flags['config-file'] !== undefined || flags['env-file'] !== undefined || flags.pid !== undefined)
    const result = await configMigrate({
      ...configContextOptions({...flags, host: undefined}),
      hosts: flags.host,
      pinDefaults: flags['pin-defaults'],
      force: flags.force,
      diff: flags.diff,
      listLocal,
    })
    for (const w of result.warnings) this.err(w)
    if (flags.report !== undefined) writeMigrateReport(flags.report, renderMigrateReportJson(result))
    if (result.diff) this.out(await renderMigrateDiff(result.diff, output, colourEnabled()))
    else if (!result.refused) this.out(await renderMigrateResources(result, output))
    this.err(renderMigrateReport(result, colourEnabled(process.stderr)))
    const differs = result.diff ? result.diff.some((h) => h.differs > 0) : false
    this.finish(problemExit(Boolean(result.refused || differs)))
    return result
  }
}
