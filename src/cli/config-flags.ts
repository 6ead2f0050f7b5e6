/** Flags shared by the `config` commands: where the four layers come from. */
import * as Flags from '@oclif/core/flags'
import {UsageError} from '../errors.js'
import type {ConfigContextOptions} from '../services/config-context.js'

export const hostFlag = Flags.string({summary: 'Evaluate as if the kernel hostname were this (default: this machine\'s hostname).', helpValue: 'NODE'})
export const felixVersionFlag = Flags.string({summary: 'Felix version whose rules apply.', default: '2.0.4', helpValue: '2.0.x', env: 'FELIXCTL_FELIX_VERSION'})

export const localSourceFlags = {
  'config-file': Flags.string({char: 'c', summary: 'Felix config file (default /etc/calico/felix.cfg; a missing default is no file, as in Felix).', helpValue: 'PATH', env: 'FELIXCTL_CONFIG_FILE'}),
  'env-file': Flags.string({summary: 'Read the environment layer from a docker --env-file style file instead of felixctl\'s own environment.', helpValue: 'PATH', exclusive: ['pid', 'running']}),
  pid: Flags.integer({
    summary: "Use what the running Felix with this PID sees: its environment, the config file its command line names (read in its mount namespace), its kernel hostname; its version is shown.",
    helpValue: 'PID',
    min: 1,
    exclusive: ['env-file', 'running'],
  }),
  running: Flags.boolean({summary: 'Find the running calico-felix process on this host and use it as --pid.', exclusive: ['env-file', 'pid']}),
}

/** --no-local (config get|list|validate|set|unset): etcd alone, so that --host names the host directory. */
export const noLocalFlag = Flags.boolean({
  summary: "Evaluate from etcd alone: do not apply this machine's env and config file (they still say where to connect), so the per-host directory is --host's even when this machine sets FelixHostname.",
  exclusive: ['env-file', 'pid', 'with-local'],
})

export const datastoreFlags = {
  snapshot: Flags.string({summary: 'Read the etcd layers from a JSON snapshot (as `felixctl datastore export` writes) instead of a live etcd.', helpValue: 'FILE', env: 'FELIXCTL_SNAPSHOT'}),
  'datastore-type': Flags.string({summary: 'Override Felix\'s DatastoreType for reading.', options: ['etcdv2', 'etcdv3', 'kubernetes'], env: 'FELIXCTL_DATASTORE_TYPE'}),
  'etcd-endpoints': Flags.string({summary: 'Override the etcd endpoints Felix would use (comma-separated URLs).', helpValue: 'URL[,URL]', env: 'FELIXCTL_ETCD_ENDPOINTS'}),
  'etcd-ca-file': Flags.string({summary: 'CA certificate to verify etcd with.', helpValue: 'PATH', env: 'FELIXCTL_ETCD_CA_FILE'}),
  'etcd-cert-file': Flags.string({summary: 'Client certificate for etcd.', helpValue: 'PATH', env: 'FELIXCTL_ETCD_CERT_FILE'}),
  'etcd-key-file': Flags.string({summary: 'Client key for etcd.', helpValue: 'PATH', env: 'FELIXCTL_ETCD_KEY_FILE'}),
  'calicoctl-config': Flags.string({
    summary: "calicoctl's settings file, used where Felix's own etcd settings are absent (default /etc/calico/calicoctl.cfg when it exists, else calicoctl's ETCD_* variables; an empty value means no file).",
    helpValue: 'PATH',
    env: 'FELIXCTL_CALICOCTL_CONFIG',
  }),
  'etcd-timeout': Flags.string({summary: 'Time limit for the whole etcd operation, e.g. 5s, 1500ms, 1m (at most 1h).', default: '5s', helpValue: 'DURATION', env: 'FELIXCTL_ETCD_TIMEOUT'}),
  'allow-partial': Flags.boolean({summary: 'When etcd cannot be reached, still show the env and file layers (marked partial; validate then says NOT CHECKED, exit 5).'}),
}

/** Parse 5s / 1500ms / 2m / a bare number of seconds. */
/** The longest --etcd-timeout. */
export const MAX_ETCD_TIMEOUT_MS = 3600000

export function parseDuration(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim())
  if (!m) return null
  const unit = m[2] ?? 's'
  return Math.round(Number(m[1]) * {ms: 1, s: 1000, m: 60000, h: 3600000}[unit]!)
}

export interface ParsedConfigFlags {
  host?: string
  'felix-version'?: string
  'config-file'?: string
  'env-file'?: string
  pid?: number
  running?: boolean
  snapshot?: string
  'datastore-type'?: string
  'etcd-endpoints'?: string
  'etcd-ca-file'?: string
  'etcd-cert-file'?: string
  'etcd-key-file'?: string
  'calicoctl-config'?: string
  'etcd-timeout'?: string
  'allow-partial'?: boolean
  'no-local'?: boolean
}

/** Flags -> the plain options object the config services take. */
export function configContextOptions(flags: ParsedConfigFlags): ConfigContextOptions {
  let timeoutMs: number | undefined
  if (flags['etcd-timeout'] !== undefined) {
    const t = parseDuration(flags['etcd-timeout'])
    if (t === null || t <= 0) throw new UsageError(`--etcd-timeout ${JSON.stringify(flags['etcd-timeout'])} is not a duration`, {hint: 'write it as 5s, 1500ms, 1m or 1h'})
    // Longer timers overflow (Node fires a timer over 2^31-1 ms at once); an hour is already far past any etcd answer.
    if (t > MAX_ETCD_TIMEOUT_MS) throw new UsageError(`--etcd-timeout ${JSON.stringify(flags['etcd-timeout'])} is longer than the 1h felixctl waits at most`, {hint: 'give 1h or less, for example 30s'})
    timeoutMs = t
  }
  return {
    host: flags.host,
    felixVersion: flags['felix-version'],
    configFile: flags['config-file'],
    envFile: flags['env-file'],
    pid: flags.pid,
    running: flags.running,
    snapshot: flags.snapshot,
    datastoreType: flags['datastore-type'] as 'etcdv2' | 'etcdv3' | 'kubernetes' | undefined,
    etcdEndpoints: flags['etcd-endpoints']?.split(',').map((s) => s.trim()).filter(Boolean),
    etcdCaFile: flags['etcd-ca-file'],
    etcdCertFile: flags['etcd-cert-file'],
    etcdKeyFile: flags['etcd-key-file'],
    calicoctlConfig: flags['calicoctl-config'],
    timeoutMs,
    allowPartial: flags['allow-partial'],
    noLocal: flags['no-local'],
  }
}
