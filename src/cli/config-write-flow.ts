/**
 * The part of `config set` and `config unset` between the flags and the service: plan, show the
 * warnings, say that Felix will restart and ask on a TTY (unless --yes), apply, render.
 */
import * as Flags from '@oclif/core/flags'
import {colourEnabled} from '../render/format.js'
import {impactCounts, renderConfigWrite, renderImpactText} from '../render/config-write.js'
import type {OutputFormat} from '../render/output.js'
import {applyConfigWrite, newHostMessage, newHostRefusal, planConfigWrite, ConfigWriteOptions, WriteLayer} from '../services/config-write.js'
import {ParsedConfigFlags, configContextOptions} from './config-flags.js'
import {isInteractive, promptConfirm} from './prompts.js'

export const writeFlags = {
  layer: Flags.string({summary: 'Which layer to change.', options: ['global', 'host', 'file', 'env'], required: true}),
  'if-revision': Flags.string({summary: 'etcd compare-and-swap: write only if the key\'s revision (v3 mod_revision, v2 modifiedIndex) is this; 0 = only if absent.', helpValue: 'N'}),
  'fix-spelling': Flags.boolean({summary: 'In felix.cfg, also remove other spellings of the same key (they override the canonical one).'}),
  force: Flags.boolean({summary: 'Write anyway, with a warning: an unknown parameter name, a value Felix rejects, a change after which Felix would not start, or a value a higher layer shadows.'}),
  'create-host': Flags.boolean({summary: 'With --layer host: create the host directory when there is none yet (otherwise felixctl asks on a TTY, or refuses); a directory without config keys exists already.'}),
  'dry-run': Flags.boolean({summary: 'Show what would change (a diff for files) and write nothing.'}),
  yes: Flags.boolean({char: 'y', summary: 'Do not ask for confirmation before writing to etcd.'}),
  'follow-symlinks': Flags.boolean({summary: 'Edit through a symbolic link that points outside the file\'s directory.'}),
  'with-local': Flags.boolean({summary: "With --layer global or host: evaluate the impact on every host with this machine's env and config file (FelixHostname excepted); by default remote hosts are evaluated from etcd alone."}),
}

export interface WriteFlowFlags extends ParsedConfigFlags {
  layer: string
  'if-revision'?: string
  'fix-spelling'?: boolean
  force?: boolean
  'create-host'?: boolean
  'dry-run'?: boolean
  yes?: boolean
  'follow-symlinks'?: boolean
  'with-local'?: boolean
  output: string | OutputFormat
}

export async function runConfigWrite(
  io: {out(text: string): void; err(text: string): void},
  op: 'set' | 'unset',
  name: string,
  value: string | undefined,
  flags: WriteFlowFlags,
): Promise<unknown> {
  const options: ConfigWriteOptions = {
    ...configContextOptions(flags),
    op,
    name,
    value,
    layer: flags.layer as WriteLayer,
    ifRevision: flags['if-revision'],
    fixSpelling: flags['fix-spelling'],
    force: flags.force,
    followSymlinks: flags['follow-symlinks'],
    withLocal: flags['with-local'],
    dryRun: flags['dry-run'],
  }
  const plan = await planConfigWrite(options)
  for (const w of plan.warnings) io.err(w)
  if (plan.refusal) {
    // --dry-run: the whole plan (impact included), then the exit 3 the write would meet.
    io.out(await renderConfigWrite(await applyConfigWrite(plan, {dryRun: true}), flags.output, colourEnabled()))
    throw plan.refusal
  }
  let confirmed = false
  if (plan.newHost && op === 'set' && !flags['create-host']) {
    // A new host directory, or a typo: ask on a TTY (not with --yes); otherwise refuse.
    if (flags['dry-run']) io.err(`warning: ${newHostMessage(plan.newHost)}; the write would need --create-host`)
    else if (flags.yes || !isInteractive()) throw newHostRefusal(plan.newHost)
    else if (!(await promptConfirm(`${newHostMessage(plan.newHost)}. Create it with ${plan.target}?`))) {
      io.err('nothing written')
      return plan
    } else confirmed = true
  }
  if (plan.impact && plan.changed && !flags['dry-run'] && !confirmed && !flags.yes && isInteractive()) {
    // The counts (and the first hosts of each group) before the question.
    io.err(renderImpactText(plan.impact))
    if (!(await promptConfirm(`${impactCounts(plan.impact)}. ${op === 'set' ? 'Write' : 'Delete'} ${plan.target}?`))) {
      io.err('nothing written')
      return plan
    }
  }
  const result = await applyConfigWrite(plan, {dryRun: flags['dry-run']})
  io.out(await renderConfigWrite(result, flags.output, colourEnabled()))
  return result
}
