/** `openstack render`: the settings Calico needs in each OpenStack file, for one release. */
import {UsageError} from '../errors.js'
import {OpenStackRelease, releaseLabel, resolveOpenStackRelease} from '../openstack/releases.js'
import {EtcdOptions, FILE_KINDS, FileRequirements, OpenStackFileKind, requirementsFor, resolveFileKind} from '../openstack/requirements.js'

export interface OpenStackRenderOptions {
  /** A file kind (or alias), several separated by commas, or `all`. */
  file: string
  /** A release name or `YYYY.N`; default: the newest release. */
  release?: string
  etcd?: EtcdOptions
}

export interface OpenStackRenderResult {
  release: {name: string; number?: string; label: string}
  files: FileRequirements[]
}

export function releaseSummary(r: OpenStackRelease): OpenStackRenderResult['release'] {
  return {name: r.name, ...(r.number ? {number: r.number} : {}), label: releaseLabel(r)}
}

/** Parse a `--etcd-port` value: an integer 1..65535, else UsageError (exit 2). */
export function parseEtcdPort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || Number(value) > 65535) {
    throw new UsageError(`--etcd-port must be a port number (1-65535), not "${value}"`, {hint: 'for example --etcd-port 2379', code: 'bad-port'})
  }
  return Number(value)
}

/** Values go into an ini file verbatim: refuse what would break it or be changed by oslo's stripping. */
export function checkEtcdOptions(etcd: EtcdOptions): EtcdOptions {
  const flags: [keyof EtcdOptions, string][] = [['host', '--etcd-host'], ['keyFile', '--etcd-key-file'], ['certFile', '--etcd-cert-file'], ['caCertFile', '--etcd-ca-cert-file']]
  for (const [k, flag] of flags) {
    const v = etcd[k]
    if (typeof v !== 'string') continue
    if (v === '' || /[\r\n]/.test(v) || v.trim() !== v || (k === 'host' && /[\s#;,/]/.test(v))) {
      throw new UsageError(`${flag} ${JSON.stringify(v)} cannot be written to an oslo.config file`, {hint: 'give a value without line breaks or surrounding blanks (a host name or IP address for --etcd-host)', code: 'bad-value'})
    }
  }
  return etcd
}

export function openstackRender(options: OpenStackRenderOptions): OpenStackRenderResult {
  checkEtcdOptions(options.etcd ?? {})
  const release = resolveOpenStackRelease(options.release)
  // `all`, one kind, or a comma-separated list of kinds (what the interactive prompt returns).
  const kinds: OpenStackFileKind[] = options.file.split(',').some((k) => k.trim().toLowerCase() === 'all') ? [...FILE_KINDS] : [...new Set(options.file.split(',').map((k) => resolveFileKind(k, {all: true})))]
  return {release: releaseSummary(release), files: kinds.map((k) => requirementsFor(k, release, options.etcd ?? {}))}
}
