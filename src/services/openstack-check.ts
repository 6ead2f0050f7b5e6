/**
 * `openstack check`: every way the four files break the seed page's requirements,
 * judged as the OpenStack services read them (docs/reference/openstack.md §1-§2).
 */
import {existsSync} from 'node:fs'
import {LocalIoError} from '../errors.js'
import {OsloAssignment, normalizeOsloSection, parseOsloBool, parseOsloInt, parseOsloList} from '../formats/oslo-ini.js'
import {OpenStackRelease, isPreLiberty, metadataProxyAliases, metadataProxyOption, resolveOpenStackRelease} from '../openstack/releases.js'
import {
  CALICO_ROUTED_DRIVER, DEFAULT_PATHS, FILE_KINDS, ML2_PLUGIN_CLASS, NEUTRON_ROUTED_DRIVER, OpenStackFileKind, PAGE_ML2_PLUGIN_CLASS,
} from '../openstack/requirements.js'
import {OsloSource, confDirFiles, confDirFor, lookupOslo, readOsloSource} from '../openstack/sources.js'
import {releaseSummary} from './openstack-render.js'

export interface OpenStackCheckOptions {
  /** Paths given by the user; kinds not given use the usual location (absent there: skipped). */
  paths?: Partial<Record<OpenStackFileKind, string>>
  release?: string
}

export type Severity = 'error' | 'warning' | 'info'

/** docs/reference/contracts.md §3's problem shape, plus the flat file/section/line/fix the issue asks for. */
export interface OpenStackFinding {
  severity: Severity
  code: string
  param: string | null
  layer: OpenStackFileKind
  origin: {type: 'file'; path: string; section?: string; line?: number}
  message: string
  hint: string
  file: string
  section: string | null
  line: number | null
  fix: string
}

export interface OpenStackCheckedFile {
  file: OpenStackFileKind
  path: string
  /** Whether the path was given on the command line (a missing default file is skipped). */
  explicit: boolean
  present: boolean
  /** Every file read, in the order oslo.config reads them (main file, then conf.d). */
  sources: string[]
}

export interface OpenStackCheckResult {
  release: {name: string; number?: string; label: string}
  files: OpenStackCheckedFile[]
  findings: OpenStackFinding[]
  summary: {errors: number; warnings: number; infos: number}
  ok: boolean
  /** `not-checked`: no file was there to look at, which is not a pass (exit 3). */
  status: 'ok' | 'failed' | 'not-checked'
  exitCode: 0 | 3
}

const INLINE_COMMENT_HINT = ' oslo.config has no inline comments: everything after "=" is the value, "#" included.'

class Findings {
  readonly list: OpenStackFinding[] = []
  constructor(private readonly file: OpenStackFileKind) {}

  add(severity: Severity, code: string, f: {path: string; section?: string; key?: string; line?: number; message: string; fix: string}): void {
    this.list.push({
      severity, code, param: f.key ?? null, layer: this.file,
      origin: {type: 'file', path: f.path, ...(f.section !== undefined ? {section: f.section} : {}), ...(f.line !== undefined ? {line: f.line} : {})},
      message: f.message, hint: f.fix, file: f.path, section: f.section ?? null, line: f.line ?? null, fix: f.fix,
    })
  }

  at(severity: Severity, code: string, a: OsloAssignment, path: string, message: string, fix: string): void {
    const inline = a.value.includes('#') ? INLINE_COMMENT_HINT : ''
    // One sentence after another: end the first before adding the inline-comment note.
    const first = inline && !/[.!?]$/.test(message) ? `${message}.` : message
    this.add(severity, code, {path, section: a.section, key: a.key, line: a.line, message: first + inline, fix})
  }
}

function loadSources(path: string): OsloSource[] {
  const sources = [readOsloSource(path)]
  const dir = confDirFor(path)
  if (dir) for (const p of confDirFiles(dir)) sources.push(readOsloSource(p))
  return sources
}

/** `[default]` (any case but DEFAULT) is its own section, which no option is read from. */
function reportIgnoredDefault(f: Findings, sources: OsloSource[], keys: string[]): void {
  for (const s of sources) {
    for (const a of s.doc?.assignments ?? []) {
      if (keys.includes(a.key) && a.section !== 'DEFAULT' && normalizeOsloSection(a.section) === 'default') {
        f.at('warning', 'ignored-section', a, s.path, `${a.key} is in [${a.section}], which oslo.config does not read as [DEFAULT] (only the upper-case name is special): this line has no effect`, `move the line into a [DEFAULT] section`)
      }
    }
  }
}

function checkNova(f: Findings, sources: OsloSource[], release: OpenStackRelease, main: string): void {
  const honoured = [metadataProxyOption(release), ...metadataProxyAliases(release)]
  const all = [{section: 'neutron', key: 'service_metadata_proxy'}, {section: 'DEFAULT', key: 'service_neutron_metadata_proxy'}]
  const found = lookupOslo(sources, honoured)
  const opt = metadataProxyOption(release)
  const fix = `remove the line or set it to False (the default); in ${release.name} the option is [${opt.section}] ${opt.key}`
  if (found) {
    const b = parseOsloBool(found.assignment.value)
    if (b === undefined) {
      f.at('error', 'metadata-proxy-invalid', found.assignment, found.path, `${found.assignment.key} = ${JSON.stringify(found.assignment.value)} is not a boolean: nova would not start`, fix)
    } else if (b) {
      f.at('error', 'metadata-proxy-enabled', found.assignment, found.path, `${found.assignment.key} is true: Calico needs the Nova metadata API without the Neutron metadata proxy`, fix)
    }
  }
  // Spellings this release does not read: harmless, but misleading when true.
  for (const spelling of all) {
    if (honoured.some((h) => h.section === spelling.section && h.key === spelling.key)) continue
    const ignored = lookupOslo(sources, [spelling])
    if (ignored && parseOsloBool(ignored.assignment.value) === true) {
      f.at('warning', 'metadata-proxy-ignored-spelling', ignored.assignment, ignored.path,
        `[${spelling.section}] ${spelling.key} is true, but ${release.name} does not read this spelling (it reads [${opt.section}] ${opt.key}): no effect, but misleading`, 'remove the line')
    }
  }
  reportIgnoredDefault(f, sources, ['service_neutron_metadata_proxy', 'enabled_apis'])
  const apis = lookupOslo(sources, [{section: 'DEFAULT', key: 'enabled_apis'}])
  if (!apis) {
    f.add('info', 'metadata-api-default', {path: main, section: 'DEFAULT', key: 'enabled_apis',
      message: "enabled_apis is not set: nova's default includes metadata, so the Nova metadata API runs with nova-api on this node",
      fix: 'nothing to do; make sure nova-api (or nova-api-metadata) runs on every compute node'})
  } else if (parseOsloList(apis.assignment.value).includes('metadata')) {
    f.at('info', 'metadata-api-enabled', apis.assignment, apis.path, 'enabled_apis includes metadata: the Nova metadata API runs with nova-api on this node', 'nothing to do; make sure nova-api runs on every compute node')
  } else {
    f.at('warning', 'metadata-api-not-enabled', apis.assignment, apis.path,
      `enabled_apis = ${apis.assignment.value} does not include metadata: Calico needs the Nova metadata API on every compute node`,
      'add metadata to enabled_apis, or run the nova-api-metadata service on this node (felixctl does not edit this)')
  }
}

function checkNeutron(f: Findings, sources: OsloSource[], release: OpenStackRelease, main: string): void {
  reportIgnoredDefault(f, sources, ['core_plugin', 'dhcp_agents_per_network'])
  const cp = lookupOslo(sources, [{section: 'DEFAULT', key: 'core_plugin'}])
  const cpFix = `set core_plugin = ${ML2_PLUGIN_CLASS} (or ml2) in [DEFAULT]`
  if (!cp) {
    f.add('error', 'core-plugin-missing', {path: main, section: 'DEFAULT', key: 'core_plugin', message: 'core_plugin is not set: Neutron needs the ML2 plugin for Calico', fix: cpFix})
  } else if (cp.assignment.value === PAGE_ML2_PLUGIN_CLASS) {
    f.at('error', 'core-plugin-page-spelling', cp.assignment, cp.path,
      `core_plugin = ${PAGE_ML2_PLUGIN_CLASS} is the seed page's spelling: that class does not exist (it is Ml2Plugin) and Neutron would not start`, cpFix)
  } else if (cp.assignment.value !== 'ml2' && cp.assignment.value !== ML2_PLUGIN_CLASS) {
    f.at('error', 'core-plugin-not-ml2', cp.assignment, cp.path, `core_plugin = ${JSON.stringify(cp.assignment.value)} is not the ML2 plugin Calico needs`, cpFix)
  }
  if (isPreLiberty(release)) {
    const d = lookupOslo(sources, [{section: 'DEFAULT', key: 'dhcp_agents_per_network'}])
    const fix = 'set dhcp_agents_per_network = 9999 in [DEFAULT]'
    if (!d) {
      f.add('error', 'dhcp-agents-per-network', {path: main, section: 'DEFAULT', key: 'dhcp_agents_per_network', message: `dhcp_agents_per_network is not set (default 1): before Liberty every compute node's DHCP agent must serve every network`, fix})
    } else {
      const n = parseOsloInt(d.assignment.value)
      if (n === undefined) f.at('error', 'dhcp-agents-per-network-invalid', d.assignment, d.path, `dhcp_agents_per_network = ${JSON.stringify(d.assignment.value)} is not an integer: Neutron would not start`, fix)
      else if (n < 9999) f.at('error', 'dhcp-agents-per-network', d.assignment, d.path, `dhcp_agents_per_network = ${n}: before Liberty it must be 9999 so that every compute node's DHCP agent serves every network`, fix)
    }
  }
  // [calico]: report what is set; the defaults changed across networking-calico releases, so no guessing.
  for (const key of ['etcd_host', 'etcd_port', 'etcd_scheme', 'etcd_protocol', 'etcd_key_file', 'etcd_cert_file', 'etcd_ca_cert_file', 'etcd_username', 'etcd_password']) {
    const v = lookupOslo(sources, [{section: 'calico', key}])
    if (!v) continue
    if (key === 'etcd_port' && parseOsloInt(v.assignment.value) === undefined) {
      f.at('error', 'calico-etcd-port-invalid', v.assignment, v.path, `[calico] etcd_port = ${JSON.stringify(v.assignment.value)} is not an integer: the Calico mechanism driver would not load`, 'set etcd_port to the etcd client port, for example 2379')
      continue
    }
    const shown = key === 'etcd_password' ? '(hidden)' : v.assignment.value
    const note = key === 'etcd_host' && v.assignment.value === 'localhost' ? " (the seed page's default; the driver's code default is 127.0.0.1)" : ''
    f.at('info', 'calico-etcd-option', v.assignment, v.path, `[calico] ${key} = ${shown}${note}`, 'nothing to do if this is the etcd the Calico mechanism driver should use')
  }
}

const ML2_LISTS: {key: string; need: string[]; defaultNote: string; missingSeverity: Severity}[] = [
  {key: 'type_drivers', need: ['local', 'flat'], missingSeverity: 'warning', defaultNote: "not set: Neutron's own default lists every type driver of the release; the seed page asks for local, flat explicitly"},
  {key: 'tenant_network_types', need: ['local', 'flat'], missingSeverity: 'error', defaultNote: 'not set (default: local): Calico needs local and flat'},
  {key: 'mechanism_drivers', need: ['calico'], missingSeverity: 'error', defaultNote: 'not set (default: no mechanism driver): Calico needs calico'},
]

function checkMl2(f: Findings, sources: OsloSource[], main: string): void {
  for (const l of ML2_LISTS) {
    const v = lookupOslo(sources, [{section: 'ml2', key: l.key}])
    const fixWith = (items: string[]) => `set ${l.key} = ${items.join(',')} in [ml2]`
    if (!v) {
      f.add(l.missingSeverity, `ml2-${l.key.replace(/_/g, '-')}`, {path: main, section: 'ml2', key: l.key, message: `${l.key} ${l.defaultNote}`, fix: fixWith(l.need)})
      continue
    }
    const have = parseOsloList(v.assignment.value)
    const missing = l.need.filter((n) => !have.includes(n))
    if (missing.length) {
      f.at('error', `ml2-${l.key.replace(/_/g, '-')}`, v.assignment, v.path, `${l.key} = ${v.assignment.value} does not contain ${missing.join(', ')}`, fixWith([...have.filter((h) => h !== ''), ...missing]))
    }
  }
}

function checkDhcp(f: Findings, sources: OsloSource[], release: OpenStackRelease, main: string): void {
  reportIgnoredDefault(f, sources, ['interface_driver'])
  const v = lookupOslo(sources, [{section: 'DEFAULT', key: 'interface_driver'}])
  if (isPreLiberty(release)) {
    const fix = `set interface_driver = ${NEUTRON_ROUTED_DRIVER} in [DEFAULT] (with Calico's patched Neutron packages)`
    if (!v) f.add('error', 'dhcp-interface-driver', {path: main, section: 'DEFAULT', key: 'interface_driver', message: `interface_driver is not set: before Liberty the DHCP agent needs Calico's RoutedInterfaceDriver`, fix})
    else if (v.assignment.value === 'RoutedInterfaceDriver') f.at('error', 'dhcp-interface-driver', v.assignment, v.path, `interface_driver = RoutedInterfaceDriver is the seed page's short name: the DHCP agent loads drivers by class path and would not start`, fix)
    else if (v.assignment.value !== NEUTRON_ROUTED_DRIVER) f.at('error', 'dhcp-interface-driver', v.assignment, v.path, `interface_driver = ${JSON.stringify(v.assignment.value)} is not Calico's RoutedInterfaceDriver`, fix)
    return
  }
  f.add('info', 'dhcp-agent-liberty', {path: main, message: `from Liberty on, compute nodes run networking-calico's calico-dhcp-agent, not the stock Neutron DHCP agent that reads this file`, fix: 'stop and disable neutron-dhcp-agent on compute nodes; run calico-dhcp-agent'})
  if (v && (v.assignment.value === NEUTRON_ROUTED_DRIVER || v.assignment.value === 'RoutedInterfaceDriver')) {
    f.at('warning', 'dhcp-interface-driver-obsolete', v.assignment, v.path,
      `interface_driver = ${v.assignment.value} existed only in Calico's patched Neutron before Liberty: the stock ${release.name} DHCP agent cannot load it`,
      `do not run the stock DHCP agent on compute nodes (calico-dhcp-agent uses ${CALICO_ROUTED_DRIVER})`)
  }
}

export function openstackCheck(options: OpenStackCheckOptions): OpenStackCheckResult {
  const release = resolveOpenStackRelease(options.release)
  const files: OpenStackCheckedFile[] = []
  const findings: OpenStackFinding[] = []
  for (const kind of FILE_KINDS) {
    const given = options.paths?.[kind]
    const path = given ?? DEFAULT_PATHS[kind]
    const f = new Findings(kind)
    if (!existsSync(path)) {
      if (given !== undefined) {
        throw new LocalIoError(`cannot read ${path}: no such file or directory`, {path, hint: `check the path given for ${kind}`, code: 'file-enoent'})
      }
      files.push({file: kind, path, explicit: false, present: false, sources: []})
      f.add('info', 'file-absent', {path, message: `${path} does not exist: skipped (this node does not run the service that reads it)`, fix: `name the file with --${kindFlag(kind)} PATH if it lives elsewhere`})
      findings.push(...f.list)
      continue
    }
    const sources = loadSources(path)
    files.push({file: kind, path, explicit: given !== undefined, present: true, sources: sources.map((s) => s.path)})
    const broken = sources.filter((s) => s.error)
    for (const s of broken) {
      const e = s.error!
      f.add('error', 'file-unparsable', {
        path: s.path, ...(e.line > 0 ? {line: e.line} : {}),
        message: `oslo.config cannot read this file: ${e.reason}${e.line > 0 ? ` (${JSON.stringify(e.lineText)})` : ''}; the service would not start`,
        fix: e.line > 0 ? `fix line ${e.line}: section headers end with "]" with nothing after it, assignments are key = value, indented lines continue a value` : 'replace it with a text (UTF-8) oslo.config file',
      })
    }
    if (broken.length === 0) {
      if (kind === 'nova.conf') checkNova(f, sources, release, path)
      else if (kind === 'neutron.conf') checkNeutron(f, sources, release, path)
      else if (kind === 'ml2_conf.ini') checkMl2(f, sources, path)
      else checkDhcp(f, sources, release, path)
    }
    findings.push(...f.list)
  }
  const count = (s: Severity) => findings.filter((x) => x.severity === s).length
  const summary = {errors: count('error'), warnings: count('warning'), infos: count('info')}
  const looked = files.some((x) => x.present)
  const status = !looked ? 'not-checked' : summary.errors === 0 ? 'ok' : 'failed'
  return {release: releaseSummary(release), files, findings, summary, ok: status === 'ok', status, exitCode: status === 'ok' ? 0 : 3}
}

export function kindFlag(kind: OpenStackFileKind): string {
  return {'nova.conf': 'nova', 'neutron.conf': 'neutron', 'ml2_conf.ini': 'ml2', 'dhcp_agent.ini': 'dhcp'}[kind]
}
