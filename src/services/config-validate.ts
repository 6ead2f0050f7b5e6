/**
 * `config validate`: every problem at once, in all layers, with severity, code, parameter,
 * layer, origin and hint. Errors: Felix would not start, or a value is ignored. Warnings: things
 * that work today but mislead (spelling quirks, unknown keys, deprecated settings).
 */
import type {Kv} from '../datastore/types.js'
import {everyHostDir, groupFleetKvs} from './config-fleet.js'
import {Diagnostic, Fatal, Resolution} from '../resolve/types.js'
import {resolveFelixConfig} from '../resolve/resolve.js'
import {realFileProbe} from '../params/kinds.js'
import {checkExit} from './exit-codes.js'
import {ConfigContext, ConfigContextOptions, HostSelection, buildConfigContext, selectionFlags} from './config-context.js'

export interface Problem extends Diagnostic {
  /** The host directory the problem was found for (--all-hosts), or null. */
  host: string | null
}

export interface ConfigValidateResult {
  felixVersion: string
  /** The FelixHostname evaluated, or every host directory with --all-hosts. */
  hosts: string[]
  /** Those of `hosts` whose Felix is stopped: stuck in configuration (its resolve fails), sorted. */
  stopped: string[]
  /** Which host directory was evaluated, and why (null with --all-hosts). */
  hostSelection: HostSelection | null
  fatal: Fatal | null
  problems: Problem[]
  counts: {error: number; warning: number; info: number}
  strict: boolean
  /** `not-checked`: a layer could not be read (--allow-partial without etcd), so no verdict (exit 5). */
  status: 'ok' | 'failed' | 'not-checked'
  exitCode: 0 | 3 | 5
  warnings: string[]
}

const TLS_PARAMS = new Set(['EtcdCaFile', 'EtcdCertFile', 'EtcdKeyFile'])

/** `flags`: the flags that selected the data, carried by hints that are commands. */
export function problemsOf(r: Resolution, host: string | null, flags = ''): Problem[] {
  const out: Problem[] = []
  if (r.fatal) {
    out.push({
      severity: 'error',
      code: 'felix-would-not-start',
      param: r.fatal.param,
      layer: r.fatal.layer,
      origin: null,
      message: `Felix would not start (stage ${r.fatal.stage}): ${r.fatal.message}`,
      hint: r.fatal.stage === 'file-load' ? 'fix the config file syntax at the line named' : r.fatal.param ? `felixctl config get ${r.fatal.param}${flags} shows every layer that sets it` : null,
      host,
    })
  }
  // The resolver's severities are the verdict: errors stop Felix or make it ignore a value.
  for (const d of r.diagnostics) {
    const code = d.code === 'invalid-value' && d.param && TLS_PARAMS.has(d.param) ? 'tls-file-missing' : d.code
    out.push({...d, code, host})
  }
  // Deprecated EtcdAddr / EtcdScheme beside EtcdEndpoints (they are then unused).
  const ep = r.params.find((p) => p.name === 'EtcdEndpoints')
  if (ep && ep.source !== 'default') {
    for (const name of ['EtcdAddr', 'EtcdScheme']) {
      const p = r.params.find((x) => x.name === name)
      if (p && p.source !== 'default') {
        out.push({severity: 'warning', code: 'deprecated-etcd-setting', param: name, layer: p.source as Problem['layer'], origin: p.origin, message: `${name} is deprecated and unused because EtcdEndpoints is set (${ep.raw})`, hint: `remove ${name}`, host})
      }
    }
  }
  return out
}

function summarise(problems: Problem[]): ConfigValidateResult['counts'] {
  const counts = {error: 0, warning: 0, info: 0}
  for (const p of problems) counts[p.severity]++
  return counts
}

/** `context`: an already built context (doctor shares its one datastore read); built here otherwise. */
export async function configValidate(options: ConfigContextOptions & {allHosts?: boolean; strict?: boolean}, context?: ConfigContext): Promise<ConfigValidateResult> {
  const ctx = context ?? (await buildConfigContext({...options, readAllHosts: options.allHosts}))
  const warnings = [...ctx.warnings]
  let problems: Problem[]
  let hosts: string[]
  let stopped: string[]
  let fatal = ctx.resolution.fatal
  if (options.allHosts) {
    // One read (already done), one pure resolve per host directory, as that host's Felix would see
    // the datastore: every host directory, with or without config keys (Felix on a host whose
    // directory holds none runs on the global layer alone: one resolve serves all of them).
    const tree = ctx.datastoreRead.tree
    const {globalKvs, byHost} = groupFleetKvs(tree?.kvs ?? [])
    hosts = everyHostDir(tree?.hostDirs, [...byHost.keys()].sort())
    const probe = realFileProbe()
    const resolveHost = (h: string, hostKvs: readonly Kv[]) =>
      resolveFelixConfig({registry: ctx.registry, kernelHostname: h, env: [], file: {state: 'absent'}, datastore: {state: 'loaded', kvs: hostKvs.length ? globalKvs.concat(hostKvs) : globalKvs}, probe})
    let noKeys: Resolution | null = null
    const seen = new Set<string>()
    problems = []
    stopped = []
    warnings.push('note: --all-hosts evaluates the etcd layers of each host directory; the env and file layers of remote hosts are not visible')
    for (const h of hosts) {
      const own = byHost.get(h)
      // The kernel hostname only names the (empty) directory and FelixHostname's value: the result is the same for every such host.
      const r = own ? resolveHost(h, own.map((e) => e.kv)) : (noKeys ??= resolveHost(h, []))
      for (const p of problemsOf(r, h, selectionFlags(options, h))) {
        // A problem in global etcd shows up for every host: report it once.
        const globalOnly = p.layer === 'global' || (p.origin?.key?.startsWith('/calico/v1/config/') ?? false)
        const key = globalOnly ? `${p.code}|${p.param}|${p.origin?.key}|${p.message}` : `${h}|${p.code}|${p.param}|${p.message}`
        if (seen.has(key)) continue
        seen.add(key)
        problems.push(globalOnly ? {...p, host: null} : p)
      }
      if (r.fatal) {
        fatal = fatal ?? r.fatal
        stopped.push(h)
      }
    }
  } else {
    hosts = [ctx.resolution.host]
    problems = problemsOf(ctx.resolution, null, selectionFlags(options))
    stopped = ctx.resolution.fatal ? hosts : []
  }
  const ready = ctx.datastore.felixWaits
  if (ready) problems.push({severity: 'warning', code: 'datastore-not-ready', param: null, layer: null, origin: {type: 'etcd', key: '/calico/v1/Ready'}, message: ready, hint: 'set /calico/v1/Ready to "true" once the datastore is initialised (calicoctl does this)', host: null})
  const counts = summarise(problems)
  const strict = Boolean(options.strict)
  const failed = counts.error > 0 || (strict && counts.warning > 0)
  const status = ctx.datastoreRead.unavailable ? 'not-checked' : failed ? 'failed' : 'ok'
  const exitCode = checkExit(status, 'datastore')
  return {felixVersion: ctx.registry.felixVersion, hosts, stopped, hostSelection: options.allHosts ? null : ctx.hostSelection, fatal, problems, counts, strict, status, exitCode, warnings}
}

