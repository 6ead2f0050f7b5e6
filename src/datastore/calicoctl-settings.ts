/**
 * calicoctl v1's own etcd settings, used where Felix's are absent (issue 16, item 11), and the
 * precedence that decides each part of the connection. The rules are pure functions (the environment
 * and the file's text in, settings with their origin out); readCalicoctlSettings, at the end, is the
 * one function that reads the file.
 *
 * Read from the upstream code (libcalico-go v1.0 `lib/api/apiconfig.go`, `lib/backend/etcd`'s
 * `EtcdConfig`, `lib/client/client.go` `LoadClientConfig`/`LoadClientConfigFromBytes`, and calicoctl
 * v1.0's client manager): calicoctl reads `/etc/calico/calicoctl.cfg` when that file exists, and then
 * **only** the file (the ETCD_* variables are not looked at); otherwise the variables. The file is
 * YAML or JSON, `apiVersion: v1`, `kind: calicoApiConfig`, decoded strictly (an unknown field is an
 * error; Go's JSON decoding matches field names case-insensitively). EtcdEndpoints, when set, wins
 * over EtcdScheme://EtcdAuthority (defaults `http` and `127.0.0.1:2379`).
 */
import {LocalIoError} from '../errors.js'
import {readRegularFile} from '../lib/read-file.js'
import {DatastoreConnection} from './types.js'

export const DEFAULT_CALICOCTL_CONFIG = '/etc/calico/calicoctl.cfg'

/** Where one part of the connection came from, highest first (docs/json-output.md, `datastore status`). */
export type ConnectionSource = 'flag' | 'felixctl-env' | 'felix' | 'calicoctl-file' | 'calicoctl-env' | 'default'

export interface ConnectionOrigin {
  source: ConnectionSource
  /** flag: `--etcd-endpoints`; an environment variable's name (FELIXCTL_…, FELIX_…, ETCD_…); a calicoctl.cfg field (`spec.etcdEndpoints`). */
  name?: string
  /** felix.cfg or calicoctl.cfg. */
  path?: string
  line?: number
}

export interface Sourced<T> {
  value: T
  origin: ConnectionOrigin
}

export type ConnectionField = 'endpoints' | 'caFile' | 'certFile' | 'keyFile'

export interface ConnectionSources {
  endpoints: Sourced<string[]>
  caFile: Sourced<string> | null
  certFile: Sourced<string> | null
  keyFile: Sourced<string> | null
}

/** A connection with the origin of each part. */
export interface SourcedConnection extends DatastoreConnection {
  sources: ConnectionSources
  /** Notes about calicoctl's settings (a username felixctl cannot use, a kubernetes datastoreType). */
  notes: string[]
}

export interface CalicoctlSettings {
  /** What calicoctl itself would read: the file when it exists, else the environment. */
  from: 'file' | 'env'
  path: string | null
  endpoints: Sourced<string[]> | null
  caFile: Sourced<string> | null
  certFile: Sourced<string> | null
  keyFile: Sourced<string> | null
  notes: string[]
}

/** The calicoctl.cfg problem that makes calicoctl itself refuse the file. */
export class CalicoctlConfigError extends Error {}

const ENV_NAMES = {
  endpoints: 'ETCD_ENDPOINTS',
  scheme: 'ETCD_SCHEME',
  authority: 'ETCD_AUTHORITY',
  caFile: 'ETCD_CA_CERT_FILE',
  certFile: 'ETCD_CERT_FILE',
  keyFile: 'ETCD_KEY_FILE',
  username: 'ETCD_USERNAME',
} as const

/** calicoctl v1's spec fields (libcalico-go v1 CalicoAPIConfigSpec: datastore type, etcd, kubernetes). */
const SPEC_FIELDS = [
  'datastoreType',
  'etcdScheme',
  'etcdAuthority',
  'etcdEndpoints',
  'etcdUsername',
  'etcdPassword',
  'etcdKeyFile',
  'etcdCertFile',
  'etcdCACertFile',
  'kubeconfig',
  'k8sAPIEndpoint',
  'k8sKeyFile',
  'k8sCertFile',
  'k8sCAFile',
  'k8sAPIToken',
  'k8sInsecureSkipTLSVerify',
  'k8sDisableNodePoll',
] as const
type SpecField = (typeof SPEC_FIELDS)[number]
const TOP_FIELDS = ['apiVersion', 'kind', 'metadata', 'spec'] as const

function splitEndpoints(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean)
}

/** Go's encoding/json matches a key to a field name ignoring case. */
function fieldOf<T extends string>(fields: readonly T[], key: string): T | undefined {
  return fields.find((f) => f.length === key.length && new RegExp(`^${f}$`, 'i').test(key))
}

const USERNAME_NOTE = 'is set, but felixctl (like Felix 2.0) does not authenticate to etcd: the user name and password are not used'

/** calicoctl's settings from its environment variables (empty means unset, as envconfig reads them). */
export function calicoctlSettingsFromEnv(env: Record<string, string | undefined>): CalicoctlSettings {
  const get = (name: string) => (env[name] ? env[name] : undefined)
  const one = (name: string): Sourced<string> | null => {
    const v = get(name)
    return v === undefined ? null : {value: v, origin: {source: 'calicoctl-env', name}}
  }
  let endpoints: Sourced<string[]> | null = null
  const list = get(ENV_NAMES.endpoints)
  const scheme = get(ENV_NAMES.scheme)
  const authority = get(ENV_NAMES.authority)
  if (list !== undefined && splitEndpoints(list).length) endpoints = {value: splitEndpoints(list), origin: {source: 'calicoctl-env', name: ENV_NAMES.endpoints}}
  else if (scheme !== undefined || authority !== undefined) {
    endpoints = {value: [`${scheme ?? 'http'}://${authority ?? '127.0.0.1:2379'}`], origin: {source: 'calicoctl-env', name: authority !== undefined ? ENV_NAMES.authority : ENV_NAMES.scheme}}
  }
  const notes = get(ENV_NAMES.username) !== undefined ? [`${ENV_NAMES.username} ${USERNAME_NOTE}`] : []
  return {from: 'env', path: null, endpoints, caFile: one(ENV_NAMES.caFile), certFile: one(ENV_NAMES.certFile), keyFile: one(ENV_NAMES.keyFile), notes}
}

/**
 * calicoctl's settings from calicoctl.cfg (v1 format). `parse` is a YAML parser (JSON is YAML).
 * Throws CalicoctlConfigError for a file calicoctl itself would refuse.
 */
export function calicoctlSettingsFromFile(path: string, text: string, parse: (text: string) => unknown): CalicoctlSettings {
  let doc: unknown
  try {
    doc = parse(text)
  } catch (error) {
    throw new CalicoctlConfigError(`not YAML or JSON: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`)
  }
  if (doc === null || doc === undefined) doc = {}
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new CalicoctlConfigError('not a YAML or JSON object')
  const top: Partial<Record<(typeof TOP_FIELDS)[number], unknown>> = {}
  for (const [k, v] of Object.entries(doc)) {
    const f = fieldOf(TOP_FIELDS, k)
    if (!f) throw new CalicoctlConfigError(`unknown field ${JSON.stringify(k)}`)
    top[f] = v
  }
  if (top.apiVersion !== 'v1') throw new CalicoctlConfigError(`unknown apiVersion ${JSON.stringify(top.apiVersion ?? '')} (calicoctl v1 reads apiVersion: v1)`)
  if (top.kind !== 'calicoApiConfig') throw new CalicoctlConfigError(`expected kind calicoApiConfig, got ${JSON.stringify(top.kind ?? '')}`)
  const specDoc = top.spec ?? {}
  if (typeof specDoc !== 'object' || specDoc === null || Array.isArray(specDoc)) throw new CalicoctlConfigError('spec is not an object')
  const spec: Partial<Record<SpecField, unknown>> = {}
  for (const [k, v] of Object.entries(specDoc)) {
    const f = fieldOf(SPEC_FIELDS, k)
    if (!f) throw new CalicoctlConfigError(`unknown field spec.${k}`)
    if (v !== null && f !== 'k8sInsecureSkipTLSVerify' && f !== 'k8sDisableNodePoll' && typeof v !== 'string') throw new CalicoctlConfigError(`spec.${f} is not a string`)
    spec[f] = v
  }
  const str = (f: SpecField) => (typeof spec[f] === 'string' && spec[f] !== '' ? (spec[f] as string) : undefined)
  const settings: CalicoctlSettings = {from: 'file', path, endpoints: null, caFile: null, certFile: null, keyFile: null, notes: []}
  const datastoreType = str('datastoreType') ?? 'etcdv2'
  if (datastoreType !== 'etcdv2') {
    settings.notes.push(`${path} has datastoreType ${JSON.stringify(datastoreType)}: its etcd settings are not used`)
    return settings
  }
  const origin = (f: SpecField): ConnectionOrigin => ({source: 'calicoctl-file', name: `spec.${f}`, path})
  const list = str('etcdEndpoints')
  if (list !== undefined && splitEndpoints(list).length) settings.endpoints = {value: splitEndpoints(list), origin: origin('etcdEndpoints')}
  else if (str('etcdScheme') !== undefined || str('etcdAuthority') !== undefined) {
    settings.endpoints = {value: [`${str('etcdScheme') ?? 'http'}://${str('etcdAuthority') ?? '127.0.0.1:2379'}`], origin: origin(str('etcdAuthority') !== undefined ? 'etcdAuthority' : 'etcdScheme')}
  }
  const one = (f: SpecField): Sourced<string> | null => (str(f) === undefined ? null : {value: str(f)!, origin: origin(f)})
  settings.caFile = one('etcdCACertFile')
  settings.certFile = one('etcdCertFile')
  settings.keyFile = one('etcdKeyFile')
  if (str('etcdUsername') !== undefined) settings.notes.push(`spec.etcdUsername in ${path} ${USERNAME_NOTE}`)
  return settings
}

/** One part of the connection, as each level gives it (undefined: that level does not set it). */
export interface ConnectionCandidates<T> {
  flag?: Sourced<T>
  felix?: Sourced<T>
  calicoctl?: Sourced<T> | null
  fallback: Sourced<T> | null
}

/**
 * The precedence, one place: an explicit flag or its FELIXCTL_ variable, then Felix's own settings
 * (FELIX_ variables, felix.cfg), then calicoctl's (calicoctl.cfg, or its ETCD_* variables when there
 * is no calicoctl.cfg), then the default.
 */
export function pickConnectionPart<T>(c: ConnectionCandidates<T>): Sourced<T> | null {
  return c.flag ?? c.felix ?? c.calicoctl ?? c.fallback
}

/** Whether any part falls through to calicoctl (only then is calicoctl.cfg read). */
export function needsCalicoctl(c: Record<ConnectionField, {flag?: unknown; felix?: unknown}>): boolean {
  return Object.values(c).some((p) => p.flag === undefined && p.felix === undefined)
}

/** calicoctl's settings as calicoctl v1 reads them: calicoctl.cfg when it exists, else its ETCD_* variables. */
export async function readCalicoctlSettings(named: string | undefined, env: NodeJS.ProcessEnv): Promise<CalicoctlSettings> {
  // An empty --calicoctl-config says "no file": calicoctl's ETCD_* variables, whatever is in /etc.
  if (named === '') return calicoctlSettingsFromEnv(env)
  const path = named ?? DEFAULT_CALICOCTL_CONFIG
  let text: string
  try {
    text = readRegularFile(path, 'calicoctl config file', 1024 * 1024).toString('utf8')
  } catch (error) {
    if (!(error instanceof LocalIoError && /no such file/.test(error.message))) throw error
    if (named !== undefined) {
      throw new LocalIoError(`calicoctl config file ${path} does not exist (named with --calicoctl-config or FELIXCTL_CALICOCTL_CONFIG)`, {
        path,
        code: 'calicoctl-config-missing',
        hint: `check the path; without --calicoctl-config felixctl reads ${DEFAULT_CALICOCTL_CONFIG} when it exists, else calicoctl's ETCD_* variables`,
      })
    }
    return calicoctlSettingsFromEnv(env)
  }
  const {parse} = await import('yaml')
  try {
    return calicoctlSettingsFromFile(path, text, (t) => parse(t))
  } catch (error) {
    if (!(error instanceof CalicoctlConfigError)) throw error
    throw new LocalIoError(`cannot use calicoctl config file ${path}: ${error.message}`, {
      path,
      code: 'calicoctl-config-invalid',
      hint: 'calicoctl v1 reads YAML or JSON with apiVersion: v1, kind: calicoApiConfig and the etcd settings under spec; fix the file, or give the etcd settings with --etcd-endpoints and the TLS flags',
    })
  }
}
