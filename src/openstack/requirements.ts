/**
 * What Calico needs in each OpenStack file, per release (docs/reference/openstack.md §2), as
 * data: `render` prints it, `apply` merges it, `check` verifies it.
 */
import {NotFoundError, UsageError} from '../errors.js'
import {didYouMean} from '../lib/did-you-mean.js'
import {OpenStackRelease, isPreLiberty, metadataProxyOption} from './releases.js'

export const FILE_KINDS = ['nova.conf', 'neutron.conf', 'ml2_conf.ini', 'dhcp_agent.ini'] as const
export type OpenStackFileKind = (typeof FILE_KINDS)[number]

/** §4: the usual locations. */
export const DEFAULT_PATHS: Record<OpenStackFileKind, string> = {
  'nova.conf': '/etc/nova/nova.conf',
  'neutron.conf': '/etc/neutron/neutron.conf',
  'ml2_conf.ini': '/etc/neutron/plugins/ml2/ml2_conf.ini',
  'dhcp_agent.ini': '/etc/neutron/dhcp_agent.ini',
}

const KIND_ALIASES: Record<string, OpenStackFileKind> = {
  nova: 'nova.conf', 'nova.conf': 'nova.conf',
  neutron: 'neutron.conf', 'neutron.conf': 'neutron.conf',
  ml2: 'ml2_conf.ini', ml2_conf: 'ml2_conf.ini', 'ml2_conf.ini': 'ml2_conf.ini',
  dhcp: 'dhcp_agent.ini', dhcp_agent: 'dhcp_agent.ini', 'dhcp_agent.ini': 'dhcp_agent.ini',
}

/**
 * Accept the file kind with its usual aliases (`nova`, `ml2`, `dhcp`); NotFoundError (4) otherwise.
 * `all` is a kind only where the command takes it (`render`); elsewhere it is a usage error (2).
 */
export function resolveFileKind(input: string, options: {all?: boolean} = {}): OpenStackFileKind {
  const s = input.trim().toLowerCase()
  const kind = KIND_ALIASES[s]
  if (kind) return kind
  if (s === 'all' && !options.all) {
    throw new UsageError('"all" names four files; this command edits one', {
      hint: `give one kind (${FILE_KINDS.join(', ')}) and run it once per file; \`felixctl openstack render all\` prints all four`,
      code: 'one-file-kind',
    })
  }
  const valid = options.all ? [...FILE_KINDS, 'all'] : [...FILE_KINDS]
  const close = didYouMean(input, valid, 2).filter((c) => c !== s)
  throw new NotFoundError(`unknown OpenStack file kind "${input}"`, {
    hint: (close.length ? `did you mean ${close.join(' or ')}? ` : '') + `valid kinds: ${valid.join(', ')}`,
    code: 'unknown-file-kind',
  })
}

/** The kind a file's name says it is (`/etc/nova/nova.conf` is nova.conf), or null. */
export function fileKindFromPath(path: string): OpenStackFileKind | null {
  const name = path.slice(path.lastIndexOf('/') + 1)
  return (FILE_KINDS as readonly string[]).includes(name) ? (name as OpenStackFileKind) : null
}

export type SettingType = 'bool' | 'int' | 'list' | 'string' | 'plugin'

export interface OpenStackSetting {
  file: OpenStackFileKind
  section: string
  key: string
  /** The value felixctl writes. */
  value: string
  type: SettingType
  /**
   * How an existing value satisfies the requirement: `equals` (typed comparison),
   * `contains` (a list must hold every item of `value`), `at-least` (an int).
   */
  match: 'equals' | 'contains' | 'at-least'
  /** Why Calico needs it: the comment line above the setting. */
  reason: string
  /** A secret: never printed back. */
  secret?: boolean
}

export interface EtcdOptions {
  host?: string
  port?: number
  keyFile?: string
  certFile?: string
  caCertFile?: string
}

export interface FileRequirements {
  file: OpenStackFileKind
  path: string
  settings: OpenStackSetting[]
  /** Comment-only notes printed at the top of the snippet (things felixctl does not set). */
  notes: string[]
}

export const ML2_PLUGIN_CLASS = 'neutron.plugins.ml2.plugin.Ml2Plugin'
/** The seed page's spelling, which Neutron cannot load (§2). */
export const PAGE_ML2_PLUGIN_CLASS = 'neutron.plugins.ml2.plugin.ML2Plugin'
export const NEUTRON_ROUTED_DRIVER = 'neutron.agent.linux.interface.RoutedInterfaceDriver'
export const CALICO_ROUTED_DRIVER = 'networking_calico.agent.linux.interface.RoutedInterfaceDriver'

export function requirementsFor(file: OpenStackFileKind, release: OpenStackRelease, etcd: EtcdOptions = {}): FileRequirements {
  const pre = isPreLiberty(release)
  const s = (section: string, key: string, value: string, type: SettingType, match: OpenStackSetting['match'], reason: string): OpenStackSetting => ({file, section, key, value, type, match, reason})
  const settings: OpenStackSetting[] = []
  const notes: string[] = []
  switch (file) {
    case 'nova.conf': {
      const opt = metadataProxyOption(release)
      settings.push(s(opt.section, opt.key, 'False', 'bool', 'equals',
        `Calico serves metadata from the Nova metadata API on each compute node, with no Neutron proxy (False is the default; ${release.name} reads it as [${opt.section}] ${opt.key}).`))
      notes.push('The Nova metadata API must run on every compute node: [DEFAULT] enabled_apis must include "metadata", or run the nova-api-metadata service.')
      break
    }
    case 'neutron.conf': {
      settings.push(s('DEFAULT', 'core_plugin', ML2_PLUGIN_CLASS, 'plugin', 'equals',
        `Use the ML2 plugin (the alias "ml2" also works; the seed page's ${PAGE_ML2_PLUGIN_CLASS} does not exist and Neutron would not start).`))
      if (pre) {
        settings.push(s('DEFAULT', 'dhcp_agents_per_network', '9999', 'int', 'at-least',
          `Before Liberty every compute node's DHCP agent must serve every network: allow unlimited DHCP agents per network.`))
      }
      if (etcd.host !== undefined) settings.push(s('calico', 'etcd_host', etcd.host, 'string', 'equals', 'The hostname or IP of the etcd node or proxy the Calico mechanism driver uses (the seed page says the default is localhost; the code says 127.0.0.1).'))
      if (etcd.port !== undefined) settings.push(s('calico', 'etcd_port', String(etcd.port), 'int', 'equals', 'The etcd port the Calico mechanism driver uses (the default was 4001 in the Calico 2.x era, 2379 later).'))
      if (etcd.keyFile !== undefined || etcd.certFile !== undefined || etcd.caCertFile !== undefined) {
        settings.push(s('calico', 'etcd_scheme', 'https', 'string', 'equals', 'Talk to etcd over TLS (one networking-calico release series called this option etcd_protocol).'))
      }
      if (etcd.keyFile !== undefined) settings.push(s('calico', 'etcd_key_file', etcd.keyFile, 'string', 'equals', 'The client key the Calico mechanism driver presents to etcd.'))
      if (etcd.certFile !== undefined) settings.push(s('calico', 'etcd_cert_file', etcd.certFile, 'string', 'equals', 'The client certificate the Calico mechanism driver presents to etcd.'))
      if (etcd.caCertFile !== undefined) settings.push(s('calico', 'etcd_ca_cert_file', etcd.caCertFile, 'string', 'equals', 'The CA certificate that signed the etcd server certificate.'))
      break
    }
    case 'ml2_conf.ini': {
      settings.push(
        s('ml2', 'type_drivers', 'local,flat', 'list', 'contains', "Allow 'local' and 'flat' networks."),
        s('ml2', 'tenant_network_types', 'local,flat', 'list', 'contains', "Allow 'local' and 'flat' networks for tenants."),
        s('ml2', 'mechanism_drivers', 'calico', 'list', 'contains', 'Use the Calico mechanism driver.'),
      )
      break
    }
    case 'dhcp_agent.ini': {
      if (pre) {
        settings.push(s('DEFAULT', 'interface_driver', NEUTRON_ROUTED_DRIVER, 'string', 'equals',
          "Calico's patched DHCP agent: TAP interfaces are routed, not bridged (this driver exists only in Calico's Neutron packages before Liberty)."))
      } else {
        notes.push(`From Liberty on, networking-calico ships its own DHCP agent (calico-dhcp-agent, with ${CALICO_ROUTED_DRIVER}); the stock Neutron DHCP agent should not run on compute nodes, and this file needs no Calico settings.`)
      }
      break
    }
  }
  return {file, path: DEFAULT_PATHS[file], settings, notes}
}
