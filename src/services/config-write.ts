/**
 * `config set` and `config unset`: plan a change to one layer, validate it, show the effective
 * value before and after, then write it (etcd key, felix.cfg in place, or an env file in place).
 * Planning and applying are separate so that the command can ask for confirmation in between.
 */
import {CheckFailedError, NotFoundError, UsageError, WriteRefusedError} from '../errors.js'
import {didYouMean} from '../lib/did-you-mean.js'
import {FileSnapshot, readForEdit, writeAtomic} from '../lib/atomic-write.js'
import {unifiedDiff} from '../lib/diff.js'
import {editEnvFile} from '../formats/env-file-edit.js'
import {editFelixCfg} from '../formats/felix-cfg-edit.js'
import {envEntries, parseEnvFile} from '../layers/env.js'
import {hostsWithConfig} from '../layers/etcd.js'
import {parseFelixCfg} from '../layers/felix-cfg.js'
import {LayerName, Origin, RawEntry} from '../layers/types.js'
import {envVarName, getRegistry, globalKey, hostKey, lookupParam, sameParamName} from '../params/index.js'
import {goToLower, parseKind, realFileProbe} from '../params/kinds.js'
import {ParamDef, Registry, TypedValue} from '../params/types.js'
import {FileLayerInput} from '../resolve/resolve.js'
import {Fatal, Resolution} from '../resolve/types.js'
import {HOST_PREFIX, type Kv} from '../datastore/types.js'
import {ConfigContext, ConfigContextOptions, DEFAULT_CONFIG_FILE, buildConfigContext, localOriginText, resolveWith} from './config-context.js'
import {openConfiguredDatastore} from './felix-datastore.js'
import {everyHostDir, fleetLocalLayers} from './config-fleet.js'
import {computeImpact, Impact} from './impact.js'
import {paramNameFromInput} from './config-query.js'

export type WriteLayer = 'global' | 'host' | 'file' | 'env'

export interface ConfigWriteOptions extends ConfigContextOptions {
  op: 'set' | 'unset'
  name: string
  value?: string
  layer: WriteLayer
  /** Compare-and-swap on etcd: the key's current revision (v3 mod_revision / v2 modifiedIndex); 0 = must not exist. */
  ifRevision?: string
  fixSpelling?: boolean
  /**
   * Write anyway, with a warning: an unknown parameter name, a value Felix rejects, a change
   * after which Felix would not start, or a value a higher layer shadows.
   */
  force?: boolean
  followSymlinks?: boolean
  /** Impact of an etcd change: evaluate every host with this machine's env and config file (FelixHostname excepted). */
  withLocal?: boolean
  /**
   * --dry-run: a refusal that concerns what the change does (a value Felix rejects, a value a
   * higher layer or another spelling shadows, a Felix that would not start or would stop) is kept
   * in `refusal` instead of thrown, so that the whole plan is shown before the exit 3.
   */
  dryRun?: boolean
}

export interface EffectiveView {
  value: TypedValue
  raw: string
  source: string
  origin: Origin | null
  fatal: Fatal | null
}

export interface ConfigWritePlan {
  op: 'set' | 'unset'
  param: string
  known: boolean
  layer: WriteLayer
  /** etcd key, or file path. */
  target: string
  value: string | null
  previous: string | null
  changed: boolean
  before: EffectiveView
  after: EffectiveView
  /** Unified diff for file layers. */
  diff: string | null
  actions: string[]
  warnings: string[]
  /**
   * --layer global|host: what the change does to every Felix of the fleet (services/impact.ts),
   * from the one read of the datastore; null for the file and env layers (Felix reads them at start only).
   */
  impact: Impact | null
  /** Under --dry-run: the refusal the write would meet (thrown after the plan is shown), else null. */
  refusal: CheckFailedError | null
  /**
   * --layer host: there is no such host directory yet, with or without config keys (a new node, or
   * a typo), with the closest existing directories; null otherwise. A set must be confirmed (--create-host).
   */
  newHost: {host: string; suggestions: string[]; hostCount: number} | null
  /** Private: what apply needs. */
  internal: {kind: 'etcd'; key: string; options: ConfigWriteOptions; ctx: ConfigContext; extraDeletes: string[]} | {kind: 'file'; snapshot: FileSnapshot; text: string}
}

export interface ConfigWriteResult extends Omit<ConfigWritePlan, 'internal' | 'refusal'> {
  written: boolean
  dryRun: boolean
  revision?: string
  /** --dry-run: the refusal the write would meet (the error thrown after the plan is shown), else null. */
  refusal: WriteRefusal | null
}

/** A refusal as data: what the error on stderr says, for the JSON document's diagnostics. */
export interface WriteRefusal {
  code: string
  param: string | null
  layer: string | null
  message: string
  hint: string | null
}

function view(r: Resolution, name: string): EffectiveView {
  const p = r.params.find((x) => x.name === name)
  if (!p) {
    const u = r.unknown.find((x) => x.name === name)
    return {value: u?.raw ?? null, raw: u?.raw ?? '', source: u?.source ?? 'unset', origin: u?.origin ?? null, fatal: r.fatal}
  }
  return {value: p.value, raw: p.raw, source: p.source, origin: p.origin, fatal: r.fatal}
}

const LAYER_WORDS: Record<string, string> = {env: 'the environment', file: 'the config file', host: 'per-host etcd', global: 'global etcd', default: 'the default'}

/**
 * Refuses a value Felix cannot take. With `force`, a value Felix parses badly (it would ignore it
 * or not start) is returned as a warning instead; line breaks and local-only keys in etcd never pass.
 */
function validateValue(def: ParamDef | undefined, name: string, value: string, layer: WriteLayer, force = false): string[] {
  try {
    checkValue(def, name, value, layer)
    return []
  } catch (error) {
    if (!force || !(error instanceof CheckFailedError) || error.code === 'value-newline') throw error
    return [`warning: ${error.message} (written anyway: --force)`]
  }
}

function checkValue(def: ParamDef | undefined, name: string, value: string, layer: WriteLayer): void {
  if (/[\r\n]/.test(value)) {
    throw new CheckFailedError(`the value for ${name} contains a line break: ${JSON.stringify(value)}`, {param: name, layer, hint: 'Felix parameters are single-line values', code: 'value-newline'})
  }
  if (!def) return
  if (def.localOnly && (layer === 'global' || layer === 'host')) {
    throw new WriteRefusedError(`${def.name} is local-only: Felix ignores it in etcd, so felixctl will not write it to ${LAYER_WORDS[layer]}`, {
      param: def.name,
      layer,
      hint: `set it with --layer file (felix.cfg) or --layer env (${envVarName(def.name)} in an env file)`,
      code: 'local-only-in-etcd',
    })
  }
  if (goToLower(value) === 'none') {
    if (def.nonZero) throw new CheckFailedError(`${def.name} cannot be set to ${JSON.stringify(value)}: it is non-zero, and Felix would not start ("Non-zero field cannot be set to none")`, {param: def.name, layer, hint: 'give a real value, or unset it to use the default', code: 'none-on-non-zero'})
    return
  }
  const r = parseKind(def.kind, value, realFileProbe())
  if (!r.ok) {
    throw new CheckFailedError(`invalid value ${JSON.stringify(value)} for ${def.name} in ${LAYER_WORDS[layer]}: ${r.reason}`, {
      param: def.name,
      layer,
      hint: `felixctl config explain ${def.name} shows what it accepts`,
      code: 'invalid-value',
    })
  }
}

export async function planConfigWrite(options: ConfigWriteOptions): Promise<ConfigWritePlan> {
  const registry = getRegistry(options.felixVersion)
  const def = lookupParam(registry, options.name)
  if (!def && !options.force) {
    // FELIX_NAME or an etcd key: set and unset take the name as it is written (unset removes a key
    // spelt exactly so), so the parameter it names is the suggestion, and the error names what was typed.
    const named = parameterNamedBy(registry, options.name)
    const s = named ? [named.name] : didYouMean(options.name, registry.params.map((p) => p.name))
    const form = named ? ` ${JSON.stringify(options.name)} is its ${options.name.startsWith('/') ? 'etcd key' : 'environment variable'}: config ${options.op} takes the parameter name` : ''
    throw new NotFoundError(`unknown Felix ${registry.felixVersion} parameter ${JSON.stringify(options.name)}`, {
      hint: s.length ? `did you mean ${s.join(' or ')}?${form} (--force writes an unknown name anyway)` : '--force writes an unknown name anyway',
      code: 'unknown-param',
    })
  }
  const name = def?.name ?? options.name
  const forcedWarnings: string[] = []
  let refusal: CheckFailedError | null = null
  /** Refuse now, or (--dry-run) after the plan is shown. */
  const refuse = (error: CheckFailedError) => {
    if (!options.dryRun) throw error
    refusal ??= error
  }
  if (options.op === 'set') {
    if (options.value === undefined) throw new UsageError('config set needs a VALUE', {hint: `felixctl config set ${name} VALUE --layer ${options.layer}`})
    // (unset is not validated: removing a stray local-only key from etcd only cleans up.)
    try {
      forcedWarnings.push(...validateValue(def, name, options.value, options.layer, options.force))
    } catch (error) {
      if (!(error instanceof CheckFailedError) || error.code === 'value-newline') throw error
      refuse(error)
    }
  }
  if (options.withLocal && options.layer !== 'global' && options.layer !== 'host') {
    throw new UsageError(`--with-local applies to the impact of an etcd change (--layer global or host), not to --layer ${options.layer}`, {hint: 'Felix reads its env and config file only when it starts'})
  }
  if (options.ifRevision !== undefined) {
    if (!/^\d+$/.test(options.ifRevision)) throw new UsageError(`--if-revision ${JSON.stringify(options.ifRevision)} is not a revision`, {hint: 'a revision is a whole number (v3 mod_revision, v2 modifiedIndex); 0 = create only'})
    if (options.layer !== 'global' && options.layer !== 'host') throw new UsageError('--if-revision applies to etcd (--layer global or host) only', {hint: 'files are protected by a lock and a changed-since-read check instead'})
  }
  if (options.layer === 'file' && (options.pid !== undefined || options.running)) {
    // The process reads its file in its own mount namespace; felixctl would write the host's.
    throw new UsageError(`--layer file cannot write the config file of a running Felix (${options.running ? '--running' : '--pid'})`, {hint: 'edit the file where the process reads it (inside its container), or name the file with -c instead'})
  }
  if (options.layer === 'env' && options.envFile === undefined) {
    throw new UsageError('--layer env needs --env-file: an environment variable persists nowhere else', {hint: 'for example --env-file /etc/calico/felix.env'})
  }

  if (options.noLocal && (options.layer === 'file' || options.layer === 'env')) {
    throw new UsageError(`--no-local evaluates without the env and file layers: it cannot write --layer ${options.layer}`, {hint: '--no-local applies to --layer host and --layer global'})
  }

  const ctx = await buildConfigContext({
    ...options,
    // The impact of an etcd change: a global key's reaches every host (one unscoped read); a
    // per-host key's reaches its own host only, and every other one is counted as unaffected
    // (its directory and the names of every host directory).
    readAllHosts: options.layer === 'global' || options.readAllHosts,
    listHostDirs: options.layer === 'host',
    allowPartial: options.layer === 'file' || options.layer === 'env' ? true : options.allowPartial,
    // A file named with -c that does not exist yet is created by --layer file.
    configFileMayBeMissing: options.layer === 'file',
  })
  const before = view(ctx.resolution, name)
  const warnings: string[] = [...ctx.warnings, ...forcedWarnings]
  let plan: ConfigWritePlan

  if (options.layer === 'global' || options.layer === 'host') {
    if (ctx.datastoreRead.kind === 'kubernetes') throw new UsageError(`DatastoreType is kubernetes: Felix 2.0 reads no configuration from etcd`, {hint: 'use --layer file or --layer env'})
    if (ctx.datastoreRead.kind === 'snapshot') throw new UsageError(`a snapshot is read-only: cannot write ${LAYER_WORDS[options.layer]}`, {hint: 'connect to etcd with --etcd-endpoints (or Felix\'s own settings) instead of --snapshot'})
    const host = ctx.resolution.host
    if (options.layer === 'host' && host === '') throw new CheckFailedError('FelixHostname resolves to "" on this host: there is no per-host directory to write', {hint: 'fix FelixHostname first (felixctl config get FelixHostname), or write another host\'s directory with --host NODE --no-local'})
    if (options.layer === 'host') refuseOtherHostDirectory(ctx, options)
    const canonicalKey = options.layer === 'global' ? globalKey(name) : hostKey(host, name)
    const dir = canonicalKey.slice(0, canonicalKey.lastIndexOf('/') + 1)
    const kvs: Kv[] = [...(ctx.datastoreRead.tree?.kvs ?? [])]
    // Every spelling of this parameter in the directory (docs/reference/felix-2.0-config.md §4.6: non-canonical ones override).
    const spellings = kvs.filter((kv) => kv.key.startsWith(dir) && !kv.key.slice(dir.length).includes('/') && sameParamName(kv.key.slice(dir.length), name))
    // unset NAME removes the key spelt exactly NAME when there is one (a misspelt key can be removed).
    const exact = options.op === 'unset' ? spellings.find((kv) => kv.key === dir + options.name) : undefined
    const key = exact?.key ?? canonicalKey
    const existing = kvs.find((kv) => kv.key === key)
    const others = spellings.filter((kv) => kv.key !== key)
    const extraDeletes = options.fixSpelling ? others.filter((kv) => kv.key !== canonicalKey || options.op === 'unset').map((kv) => kv.key) : []
    if (options.ifRevision !== undefined && options.ifRevision !== '0' && !existing) {
      throw new WriteRefusedError(`${key} is not at revision ${options.ifRevision}: it does not exist; nothing was written`, {code: 'revision-conflict', param: name, layer: options.layer, hint: 'use --if-revision 0 to create it only when absent'})
    }
    if (options.ifRevision !== undefined && existing?.revision !== undefined && existing.revision !== options.ifRevision) {
      // What etcd would answer, said before writing (and under --dry-run too).
      throw new WriteRefusedError(
        options.ifRevision === '0'
          ? `${key} already exists (--if-revision 0 creates it only when absent): it is ${JSON.stringify(existing.value)} at revision ${existing.revision}; nothing was written`
          : `${key} is not at revision ${options.ifRevision}: it is ${JSON.stringify(existing.value)} at revision ${existing.revision}; nothing was written`,
        {code: 'revision-conflict', param: name, layer: options.layer, hint: `retry with --if-revision ${existing.revision} if that is still the value you mean to replace`},
      )
    }
    const nextKvs = kvs.filter((kv) => kv.key !== key && !extraDeletes.includes(kv.key))
    if (options.op === 'set') nextKvs.push({key, value: options.value!})
    const after = view(resolveWith(ctx, {kvs: nextKvs}), name)
    const local = fleetLocalLayers(ctx.local, Boolean(options.withLocal))
    if (local.warning) warnings.push(local.warning)
    const tree = ctx.datastoreRead.tree
    const impact = computeImpact({kvs, ready: ctx.datastoreRead.ready}, {kvs: nextKvs, ready: ctx.datastoreRead.ready}, {
      registry,
      env: local.env,
      file: local.file,
      probe: options.probe ?? realFileProbe(),
      localLayers: options.withLocal ? 'this-machine' : 'hidden',
      hostDirs: tree?.hostDirs,
    })
    // With --if-revision the write always goes to etcd, which decides: a create-only write of a
    // key that already exists must fail (exit 7), even when the value is the same.
    const changed = options.ifRevision !== undefined || extraDeletes.length > 0 || (options.op === 'set' ? existing?.value !== options.value : existing !== undefined)
    const actions = [
      options.op === 'set'
        ? existing?.value === options.value && options.ifRevision === undefined
          ? `${key} already is ${JSON.stringify(options.value)}`
          : `${existing ? 'change' : 'create'} ${key} = ${JSON.stringify(options.value)}`
        : existing
          ? `delete ${key}`
          : `${key} already absent`,
      ...extraDeletes.map((k) => `delete ${k} (another spelling of ${name}; --fix-spelling)`),
    ]
    if (!options.fixSpelling) {
      for (const kv of others) {
        warnings.push(`warning: ${kv.key} spells ${name} differently and overrides the canonical key (Felix's precedence quirk); remove it with --fix-spelling, or: felixctl config unset ${kv.key.slice(dir.length)} --layer ${options.layer}${options.layer === 'host' ? ` --host ${host}` : ''}`)
      }
    }
    plan = {
      op: options.op,
      param: name,
      known: Boolean(def),
      layer: options.layer,
      target: key,
      value: options.value ?? null,
      previous: existing?.value ?? null,
      changed,
      before,
      after,
      diff: null,
      actions,
      warnings,
      impact,
      refusal: null,
      newHost: options.layer === 'host' ? newHostDirectory(ctx, host) : null,
      internal: {kind: 'etcd', key, options, ctx, extraDeletes},
    }
    if (plan.newHost && options.op === 'unset') {
      plan.warnings.push(`warning: ${newHostMessage(plan.newHost)}`)
    }
  } else {
    const path = options.layer === 'file' ? options.configFile ?? DEFAULT_CONFIG_FILE : options.envFile!
    const snapshot = readForEdit(path, {allowMissing: options.layer === 'file', followSymlinks: options.followSymlinks})
    const text = snapshot.content.toString('utf8')
    const edit = options.op === 'set' ? {op: 'set' as const, name, value: options.value!} : {op: 'unset' as const, name}
    let newText: string
    let actions: string[]
    let afterRes: Resolution
    if (options.layer === 'file') {
      const r = editFelixCfg(text, edit, {fixSpelling: options.fixSpelling})
      newText = r.text
      actions = r.actions
      const parsed = parseFelixCfg(newText, path)
      const file: FileLayerInput = parsed.ok ? {state: 'loaded', path, entries: parsed.entries, shadowed: parsed.shadowed, diagnostics: parsed.diagnostics} : {state: 'failed', path, message: parsed.error.message, line: parsed.error.line}
      afterRes = resolveWith(ctx, {file})
      if (!snapshot.exists) actions.unshift(`create ${path}`)
    } else {
      const envName = envVarName(name)
      const r = editEnvFile(text, options.op === 'set' ? {op: 'set', name: envName, value: options.value!} : {op: 'unset', name: envName})
      newText = r.text
      actions = r.actions
      const vars = parseEnvFile(newText, path, (n) => process.env[n])
      const env: RawEntry[] = envEntries(vars).entries
      afterRes = resolveWith(ctx, {env})
    }
    const changed = newText !== text
    plan = {
      op: options.op,
      param: name,
      known: Boolean(def),
      layer: options.layer,
      target: path,
      value: options.value ?? null,
      previous: null,
      changed,
      before,
      after: view(afterRes, name),
      diff: changed ? unifiedDiff(text, newText, path, path) : null,
      actions,
      warnings,
      impact: null,
      refusal: null,
      newHost: null,
      internal: {kind: 'file', snapshot, text: newText},
    }
  }

  // Warnings an operator needs before a write.
  const after = plan.after
  const target = plan.layer as LayerName
  const wonAfter = after.source === target && after.raw === plan.value
  // After an env-, file- or datastore-stage failure Felix reports an earlier pass's values: who
  // "wins" then says nothing about shadowing (the would-not-start check below speaks instead).
  const afterUnreliable = after.fatal !== null && after.fatal.stage !== 'validate'
  if (afterUnreliable) {
    // (said below)
  } else if (plan.op === 'set' && def && !wonAfter) {
    const o = after.origin
    const where = !o ? '' : o.type === 'env' ? o.name ?? envVarName(name) : o.type === 'file' ? `${o.path}:${o.line}` : o.key ?? ''
    const by = after.source === target ? `another spelling in the same layer${where ? ` (${where})` : ''}, which overrides the canonical key` : `${LAYER_WORDS[after.source] ?? after.source}${where ? ` (${where})` : ''}`
    const msg = `${name} ${JSON.stringify(options.value)} in ${LAYER_WORDS[target]} is shadowed by ${by}: the effective value${ctx.hostSelection.directory ? ` on ${ctx.hostSelection.directory}` : ''} stays ${JSON.stringify(after.raw)}`
    if (!sameEffective(def, options.value!, after.value)) {
      if (!options.force) {
        const fixes = [
          after.source === target ? `remove the other spelling with --fix-spelling` : `change or remove it where it is set (${where || LAYER_WORDS[after.source]})`,
          (target === 'global' || target === 'host') && (after.source === 'env' || after.source === 'file') && !options.noLocal ? `--no-local to evaluate from etcd alone` : null,
          '--force writes it anyway',
        ].filter(Boolean)
        refuse(new CheckFailedError(`${msg}; nothing was written`, {param: name, layer: plan.layer, hint: fixes.join('; '), code: 'write-shadowed'}))
      } else plan.warnings.push(`warning: ${msg} (written anyway: --force)`)
    } else plan.warnings.push(`warning: ${msg} (the same value, so nothing changes)`)
  } else if (plan.changed && JSON.stringify(after.value) === JSON.stringify(before.value) && after.source === before.source) {
    // (unset too: removing a value that a higher layer shadows changes nothing on this host, and is not refused)
    plan.warnings.push(`note: the effective value of ${name}${ctx.hostSelection.directory ? ` on ${ctx.hostSelection.directory}` : ''} does not change${plan.op === 'unset' && after.source !== target ? ` (it comes from ${LAYER_WORDS[after.source] ?? after.source})` : ''}`)
  } else if (plan.op === 'set' && plan.changed && before.source === 'default' && def && options.value === def.default) {
    plan.warnings.push(`note: ${JSON.stringify(options.value)} is the default: this shadows nothing`)
  }
  if (before.fatal) {
    plan.warnings.push(`warning: Felix would not start with the current configuration either (stage ${before.fatal.stage}): ${before.fatal.message}; the values shown are those Felix reports after that failure`)
  }
  // The fleet first: it names every host the change stops (this one included, when it is in the fleet).
  const stop = plan.impact?.stop ?? []
  if (stop.length) {
    const msg = `this change would stop Felix on ${stop.length} of ${plan.impact!.hosts} host${plan.impact!.hosts === 1 ? '' : 's'} (${hostList(stop, 10)}): their configuration would no longer resolve, and Felix stays stopped until it is fixed (docs/felix-restarts.md)`
    if (!options.force) refuse(new CheckFailedError(`${msg}; nothing was written`, {param: name, layer: plan.layer, hint: '--dry-run -o json lists every host; --force writes it anyway', code: 'would-stop-felix'}))
    else plan.warnings.push(`warning: ${msg} (written anyway: --force)`)
  }
  if (after.fatal && !before.fatal) {
    const msg = `after this change Felix would not start (stage ${after.fatal.stage}): ${after.fatal.message}`
    if (!options.force) refuse(new CheckFailedError(msg, {param: name, layer: plan.layer, hint: 'nothing was written; --force writes it anyway', code: 'would-be-fatal'}))
    else plan.warnings.push(`warning: ${msg} (written anyway: --force)`)
  }
  plan.refusal = refusal
  return plan
}

/** The parameter that FELIX_NAME or an etcd key names (as `config get` reads them), when the input is one. */
function parameterNamedBy(registry: Registry, input: string): ParamDef | undefined {
  try {
    const {name} = paramNameFromInput(input)
    return name === input ? undefined : lookupParam(registry, name)
  } catch {
    return undefined // a key outside the config directories names no parameter
  }
}

/** The first `max` host names, then how many more. */
export function hostList(hosts: readonly string[], max: number): string {
  return hosts.length <= max ? hosts.join(', ') : `${hosts.slice(0, max).join(', ')} and ${hosts.length - max} more`
}

/** The value being written and the effective one are the same typed value. */
function sameEffective(def: ParamDef, value: string, effective: TypedValue): boolean {
  const r = goToLower(value) === 'none' ? null : parseKind(def.kind, value, realFileProbe())
  return Boolean(r?.ok) && JSON.stringify(r!.ok ? r!.value : null) === JSON.stringify(effective)
}

/**
 * Contracts (Hosts): a write to the host layer goes to the directory --host names, or is refused
 * when this machine's env or file set FelixHostname to another name.
 */
function refuseOtherHostDirectory(ctx: ConfigContext, options: ConfigWriteOptions): void {
  const sel = ctx.hostSelection
  if (options.host === undefined || sel.directory === sel.kernelHostname) return
  const where = sel.setBy ? localOriginText(sel.setBy) : 'this machine\'s env or config file'
  throw new UsageError(
    `--host ${sel.kernelHostname} names host directory ${sel.kernelHostname}, but FelixHostname = ${JSON.stringify(sel.directory)} (set by ${where}) would send this write to /calico/v1/host/${sel.directory}/config/; nothing was written`,
    {
      layer: 'host',
      hint: `to write ${sel.directory}'s directory, say --host ${sel.directory}; to write ${sel.kernelHostname}'s, add --no-local (evaluate ${sel.kernelHostname} from etcd alone, without this machine's env and config file)`,
      code: 'host-directory-mismatch',
    },
  )
}

/**
 * Does the host directory exist (with or without config keys: a node's directory of workloads is
 * one the fleet views list)? If not, the existing ones (from the same, unscoped read) for a did-you-mean.
 */
function newHostDirectory(ctx: ConfigContext, host: string): ConfigWritePlan['newHost'] {
  const prefix = hostKey(host, '')
  const tree = ctx.datastoreRead.tree
  const kvs = tree?.kvs ?? []
  if (tree?.hostDirs?.includes(host) || kvs.some((kv) => kv.key.startsWith(prefix))) return null
  const hosts = everyHostDir(tree?.hostDirs, hostsWithConfig(kvs))
  return {host, suggestions: didYouMean(host, hosts), hostCount: hosts.length}
}

export function newHostMessage(h: NonNullable<ConfigWritePlan['newHost']>): string {
  const close = h.suggestions.length ? `; did you mean ${h.suggestions.join(' or ')}?` : ''
  return `no host directory ${HOST_PREFIX}${h.host}/ yet (${h.hostCount} host director${h.hostCount === 1 ? 'y' : 'ies'})${close}`
}

/** A set to a host directory that does not exist, without --create-host or a yes at the prompt. */
export function newHostRefusal(h: NonNullable<ConfigWritePlan['newHost']>): NotFoundError {
  return new NotFoundError(`${newHostMessage(h)}; nothing was written`, {
    layer: 'host',
    hint: `check --host; --create-host creates the directory for ${h.host}`,
    code: 'unknown-host',
  })
}

export async function applyConfigWrite(plan: ConfigWritePlan, opts: {dryRun?: boolean} = {}): Promise<ConfigWriteResult> {
  const {internal, refusal: planRefusal, ...plain} = plan
  const refusal = planRefusal && {code: planRefusal.code, param: planRefusal.param ?? null, layer: planRefusal.layer ?? null, message: planRefusal.message, hint: planRefusal.hint ?? null}
  const rest = {...plain, refusal}
  if (opts.dryRun || !plan.changed) return {...rest, written: false, dryRun: Boolean(opts.dryRun)}
  // (A plan with a refusal is never applied: without --dry-run the refusal was thrown by the plan.)
  if (internal.kind === 'file') {
    writeAtomic(internal.snapshot, internal.text)
    return {...rest, written: true, dryRun: false}
  }
  const ds = await openConfiguredDatastore(internal.ctx.resolution, internal.options)
  try {
    const w = plan.op === 'set' ? await ds.put(internal.key, plan.value!, {ifRevision: internal.options.ifRevision}) : await ds.delete(internal.key, {ifRevision: internal.options.ifRevision})
    // --fix-spelling: the other spellings go after the canonical write succeeded (etcd v2 has no
    // transactions; in this order an interruption leaves a duplicate, never a lost value).
    for (const k of internal.extraDeletes) await ds.delete(k)
    return {...rest, previous: w.previous, written: true, dryRun: false, revision: w.revision}
  } finally {
    await ds.close()
  }
}

/** For the interactive prompt: the choices of a oneof parameter, or null. */
export function valueChoices(name: string, felixVersion?: string): readonly string[] | null {
  const def = lookupParam(getRegistry(felixVersion), name)
  return def && def.kind.type === 'oneof' ? def.kind.values : def && def.kind.type === 'bool' ? ['true', 'false'] : null
}

/** For the interactive prompt: validation as you type (true, or the reason). */
export function validateForPrompt(name: string, value: string, felixVersion?: string): string | true {
  const def = lookupParam(getRegistry(felixVersion), name)
  try {
    validateValue(def, def?.name ?? name, value, 'file')
    return true
  } catch (error) {
    return (error as Error).message
  }
}
