/**
 * `felixctl doctor`: the configuration validation, the datastore status, the conntrack check and
 * (when the OpenStack files exist, or asked for) the OpenStack check, in one summary with a line
 * per finding and the command that fixes it. The exit code is the worst of the parts.
 */
import {existsSync} from 'node:fs'
import {FelixctlError} from '../errors.js'
import {DEFAULT_PATHS, FILE_KINDS, OpenStackFileKind} from '../openstack/requirements.js'
import {ConfigContext, ConfigContextOptions, buildConfigContext, selectionFlags} from './config-context.js'
import {FelixProcess, felixProcessJson, withFelixProcess} from './felix-process.js'
import {configValidate, ConfigValidateResult} from './config-validate.js'
import {datastoreStatus, datastoreStatusOfContext, DatastoreStatusResult} from './datastore.js'
import {checkSysctl, SysctlCheckResult} from './sysctl.js'
import {openstackCheck, OpenStackCheckResult} from './openstack-check.js'

export type DoctorPartName = 'config' | 'datastore' | 'sysctl' | 'openstack'

export interface DoctorFinding {
  part: DoctorPartName
  severity: 'error' | 'warning' | 'info'
  code: string
  message: string
  /** The command (or action) that fixes it. */
  fix: string | null
}

export interface DoctorPart {
  name: DoctorPartName
  exitCode: number
  skipped: string | null
  /** The part's own JSON result, or {error} when it failed outright. */
  result: unknown
}

export interface DoctorResult {
  host: string | null
  /** --pid/--running: the Felix process every part looked at. */
  process?: FelixProcess | null
  parts: DoctorPart[]
  findings: DoctorFinding[]
  exitCode: number
}

export interface DoctorOptions extends ConfigContextOptions {
  root?: string
  openstack?: boolean
  openstackPaths?: Partial<Record<OpenStackFileKind, string>>
  release?: string
}

async function part<T>(name: DoctorPartName, run: () => Promise<T> | T, exitOf: (r: T) => number, findingsOf: (r: T) => DoctorFinding[]): Promise<{part: DoctorPart; findings: DoctorFinding[]}> {
  try {
    const r = await run()
    return {part: {name, exitCode: exitOf(r), skipped: null, result: r}, findings: findingsOf(r)}
  } catch (error) {
    if (!(error instanceof FelixctlError)) throw error
    return {
      part: {name, exitCode: error.exitCode, skipped: null, result: {error: error.message, hint: error.hint ?? null}},
      findings: [{part: name, severity: 'error', code: error.code, message: error.message, fix: error.hint ?? null}],
    }
  }
}

function configFix(p: ConfigValidateResult['problems'][number], o: DoctorOptions): string | null {
  // A fix is a command to copy: it names the same host, files and datastore the check used.
  const read = selectionFlags(o, p.host ?? o.host)
  const host = selectionFlags(o, p.host ?? o.host, true)
  const global = selectionFlags(o, null, true)
  const file = selectionFlags({configFile: o.configFile}, null)
  switch (p.code) {
    case 'local-only-in-etcd':
    case 'unknown-param':
      if (p.origin?.key) return `felixctl config unset ${p.origin.key.split('/').pop()} --layer ${p.layer}${p.layer === 'host' ? host : global}${p.code === 'unknown-param' ? ' --force' : ''}`
      break
    case 'fatal-value':
    case 'shadowed-fatal':
    case 'invalid-value':
      if (p.param && (p.layer === 'global' || p.layer === 'host')) {
        const scope = p.layer === 'host' ? host : global
        return `felixctl config set ${p.param} <valid value> --layer ${p.layer}${scope}   (or: felixctl config unset ${p.param} --layer ${p.layer}${scope})`
      }
      if (p.param && p.layer === 'file') return `felixctl config set ${p.param} <valid value> --layer file${file}`
      break
    case 'non-canonical-override':
    case 'non-canonical-spelling':
      if (p.param && p.layer === 'file') return `felixctl config set ${p.param} <value> --layer file --fix-spelling${file}`
      break
    case 'felix-would-not-start':
      if (p.param) return `felixctl config get ${p.param}${read}`
  }
  return p.hint
}

export async function doctor(options: DoctorOptions): Promise<DoctorResult> {
  // --pid/--running: read the process once; every part then sees the same inputs.
  options = await withFelixProcess(options)
  const results = []
  // One read of the datastore (every host directory) serves the config and datastore parts:
  // an unreachable etcd costs one --etcd-timeout, not one per part.
  const t0 = Date.now()
  let ctx: ConfigContext | FelixctlError
  try {
    ctx = await buildConfigContext({...options, allowPartial: true, readAllHosts: true})
  } catch (error) {
    if (!(error instanceof FelixctlError)) throw error
    ctx = error
  }
  const elapsedMs = Date.now() - t0
  const shared = <T>(use: (c: ConfigContext) => T): T => {
    if (ctx instanceof FelixctlError) throw ctx
    return use(ctx)
  }
  results.push(
    await part<ConfigValidateResult>(
      'config',
      // The datastore part says why etcd could not be read; here the config is "not checked" then (exit 5).
      () => shared((c) => configValidate(options, c)),
      (r) => r.exitCode,
      (r) => r.problems.map((p) => ({part: 'config', severity: p.severity, code: p.code, message: p.host ? `[${p.host}] ${p.message}` : p.message, fix: configFix(p, options)})),
    ),
  )
  results.push(
    await part<DatastoreStatusResult>(
      'datastore',
      // Felix would stop before connecting (a broken felix.cfg): the context did not read etcd, so look here.
      async () => (await shared((c) => datastoreStatusOfContext(c, options, elapsedMs))) ?? datastoreStatus(options),
      (r) => r.exitCode,
      (r) => {
        const out: DoctorFinding[] = []
        if (!r.reachable && r.error) out.push({part: 'datastore', severity: r.exitCode ? 'error' : 'info', code: r.exitCode ? 'datastore-unreachable' : 'datastore-kubernetes', message: r.error, fix: r.exitCode ? 'check EtcdEndpoints (or --etcd-endpoints) and that etcd runs; felixctl datastore status' : null})
        if (r.readyProblem) out.push({part: 'datastore', severity: 'warning', code: 'datastore-not-ready', message: r.readyProblem, fix: 'set /calico/v1/Ready to "true" once Calico\'s datastore is initialised'})
        return out
      },
    ),
  )
  results.push(
    await part<SysctlCheckResult>(
      'sysctl',
      () => checkSysctl({root: options.root}),
      (r) => r.exitCode,
      (r) =>
        r.problems.map((p) => ({
          part: 'sysctl',
          severity: p.severity,
          code: p.code,
          message: p.message,
          fix: p.code.includes('module') ? `felixctl sysctl apply --load-module${options.root ? ` --root ${options.root}` : ''}` : p.severity === 'error' ? `felixctl sysctl apply${options.root ? ` --root ${options.root}` : ''}` : p.hint,
        })),
    ),
  )
  const givenPaths = Object.values(options.openstackPaths ?? {}).some(Boolean)
  const anyDefault = FILE_KINDS.some((k) => existsSync(DEFAULT_PATHS[k]))
  if (options.openstack || givenPaths || anyDefault) {
    results.push(
      await part<OpenStackCheckResult>(
        'openstack',
        () => openstackCheck({paths: options.openstackPaths, release: options.release}),
        (r) => r.exitCode,
        (r): DoctorFinding[] => [
          ...(r.status === 'not-checked' ? [{part: 'openstack' as const, severity: 'error' as const, code: 'not-checked', message: 'no OpenStack file was found to check', fix: 'name the files: --nova, --neutron, --ml2, --dhcp PATH'}] : []),
          ...r.findings
            .filter((f) => f.severity !== 'info' || !/skipped|does not exist/.test(f.message))
            .map((f) => ({part: 'openstack' as const, severity: f.severity, code: f.code, message: `${f.file}${f.line ? `:${f.line}` : ''}: ${f.message}`, fix: f.severity === 'error' ? `felixctl openstack apply ${f.layer} --file ${f.file}${options.release ? ` --release ${options.release}` : ''}` : f.fix})),
        ],
      ),
    )
  } else {
    results.push({part: {name: 'openstack' as const, exitCode: 0, skipped: 'no OpenStack files at their usual locations (use --openstack or --nova/--neutron/--ml2/--dhcp)', result: null}, findings: []})
  }
  const parts = results.map((r) => r.part)
  const findings = results.flatMap((r) => r.findings)
  const fp = options.felixProcess
  if (fp?.versionNote) findings.unshift({part: 'config', severity: 'warning', code: 'felix-version-differs', message: fp.versionNote, fix: null})
  return {host: options.host ?? fp?.hostname ?? null, ...(fp ? {process: felixProcessJson(fp)} : {}), parts, findings, exitCode: Math.max(0, ...parts.map((p) => p.exitCode))}
}
