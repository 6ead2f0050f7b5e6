/**
 * The 44 parameters of Felix 2.0.x (docs/reference/felix-2.0-config.md §1.1), in §1's order.
 *
 * Each entry mirrors one `config:"kind(args);default;flags"` tag of Felix 2.0.4's
 * config.Config, plus operator documentation: the seed page's text ("Configuring
 * Calico", Calico v2.0) where it has a row, corrected where the code differs, and
 * `seedPage` recording what the page says and where it is wrong or silent.
 *
 * Registries for 2.0.0..2.0.4 are derived from this list by `since` (src/params/index.ts).
 */
import type {KindSpec, ParamDef} from './types.js'

const LOG_LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const
const logSeverity: KindSpec = {type: 'oneof', values: LOG_LEVELS}
const port: KindSpec = {type: 'int', min: 0, max: 65535}

const OMITTED = 'The seed page does not list this parameter.'

/** Flags default to off; `defaultValidated` to true (only DataplaneDriver's default is not validated). */
function p(
  def: Omit<ParamDef, 'localOnly' | 'nonZero' | 'dieOnFail' | 'defaultValidated'> &
    Partial<Pick<ParamDef, 'localOnly' | 'nonZero' | 'dieOnFail' | 'defaultValidated'>>,
): ParamDef {
  return {localOnly: false, nonZero: false, dieOnFail: false, defaultValidated: true, ...def}
}

export const FELIX_2_0_PARAMS: readonly ParamDef[] = [
  p({
    name: 'DataplaneDriver',
    kind: {type: 'file', mustExist: true, executable: true},
    default: 'calico-iptables-plugin',
    nonZero: true,
    dieOnFail: true,
    defaultValidated: false,
    doc:
      "The dataplane driver executable Felix starts. Looked up first in Felix's own directory (anything that exists there is used, even a directory), " +
      'then on $PATH; a value containing / is used as given. Not found is fatal. The default is not checked until a layer sets a value.',
    seedPage: {
      says: 'Default etcdv2; "One of etcdv2 or kubernetes. The datastore that Felix should read endpoints and policy information from."',
      wrong:
        'That row describes DatastoreType, not DataplaneDriver. The real DataplaneDriver is the path of the dataplane executable, default calico-iptables-plugin.',
    },
  }),
  p({
    name: 'DatastoreType',
    kind: {type: 'oneof', values: ['kubernetes', 'etcdv2']},
    default: 'etcdv2',
    nonZero: true,
    dieOnFail: true,
    doc:
      'The datastore Felix reads endpoints, policy and configuration from: etcdv2 (through the etcd v2 API) or kubernetes. ' +
      'With kubernetes, the two etcd configuration layers do not exist.',
    seedPage: {
      wrong: 'The page documents this parameter under the name DataplaneDriver ("One of etcdv2 or kubernetes"); it has no row named DatastoreType.',
    },
  }),
  p({
    name: 'FelixHostname',
    kind: {type: 'hostname'},
    default: '',
    localOnly: true,
    nonZero: true,
    doc:
      'The hostname Felix reports and whose per-host etcd directory (/calico/v1/host/<FelixHostname>/config) it reads. ' +
      'Set it if the autodetected kernel hostname is wrong or does not match what the orchestrator plugin expects. ' +
      'Env and config file only. An invalid value falls back to "", which stops Felix with "Failed to determine hostname".',
    seedPage: {
      says: 'Default socket.gethostname(); "The hostname Felix reports to the plugin."',
      wrong:
        'The declared default is empty: Felix starts with the kernel hostname (never checked against the hostname pattern). ' +
        'An invalid value is replaced by the empty default, not by the kernel hostname.',
    },
  }),
  p({
    name: 'EtcdAddr',
    kind: {type: 'authority'},
    default: '127.0.0.1:2379',
    localOnly: true,
    doc:
      'Deprecated: host:port of the etcd node or proxy, used with EtcdScheme when EtcdEndpoints is empty. No IPv6 literal. Env and config file only.',
    seedPage: {
      says: 'Deprecated; no default shown. "The location (IP / hostname and port) of the etcd node or proxy that Felix should connect to."',
      wrong: 'The default is 127.0.0.1:2379.',
    },
  }),
  p({
    name: 'EtcdScheme',
    kind: {type: 'oneof', values: ['http', 'https']},
    default: 'http',
    localOnly: true,
    doc: 'Deprecated: the protocol (http or https) used with EtcdAddr when EtcdEndpoints is empty. Env and config file only.',
    seedPage: {says: 'Deprecated; default http. "The protocol type (http or https) of the etcd node or proxy that Felix connects to."'},
  }),
  p({
    name: 'EtcdKeyFile',
    kind: {type: 'file', mustExist: true},
    default: '',
    localOnly: true,
    doc: 'Path to the private key for TLS client authentication to etcd. A non-empty value must exist. Env and config file only.',
    seedPage: {says: 'Default None; "The full path to the etcd private key file."', wrong: 'The default is the empty string (no key), which is what "None" means.'},
  }),
  p({
    name: 'EtcdCertFile',
    kind: {type: 'file', mustExist: true},
    default: '',
    localOnly: true,
    doc: 'Path to the client certificate for TLS client authentication to etcd. A non-empty value must exist. Env and config file only.',
    seedPage: {says: 'Default None; "The full path to the etcd certificate file."', wrong: 'The default is the empty string (no certificate), which is what "None" means.'},
  }),
  p({
    name: 'EtcdCaFile',
    kind: {type: 'file', mustExist: true},
    default: '',
    localOnly: true,
    doc:
      'Path to the CA certificate Felix uses to verify the etcd server. A non-empty value must exist. Empty (the default) sets no CA file. Env and config file only.',
    seedPage: {
      says: 'Default /etc/ssl/certs/ca-certificates.crt (the system trust store); "none" disables server authentication.',
      wrong: 'EtcdCaFile has no default: it is empty, not the system bundle. "none" gives the empty value, which is already the default.',
    },
  }),
  p({
    name: 'EtcdEndpoints',
    kind: {type: 'endpoint-list'},
    default: '',
    localOnly: true,
    doc:
      'Comma-separated etcd endpoints, for example http://etcd1:2379,http://etcd2:2379. Each must be scheme://host:port only; ' +
      'each is stored as scheme://host:port/ with the scheme lower-cased. When empty, Felix uses EtcdScheme://EtcdAddr. Env and config file only.',
    seedPage: {
      says: 'Default "EtcdScheme://EtcdAddr"; "Comma-delimited list of etcd endpoints to connect to."',
      wrong: 'The declared default is empty; Felix falls back to EtcdScheme://EtcdAddr only when connecting.',
    },
  }),
  p({
    name: 'Ipv6Support',
    kind: {type: 'bool'},
    default: 'true',
    doc: 'Whether Felix programs IPv6 (ip6tables, IPv6 routes and ipsets) as well as IPv4.',
    seedPage: {wrong: OMITTED},
  }),
  p({
    name: 'IgnoreLooseRPF',
    kind: {type: 'bool'},
    default: 'false',
    doc: 'Let Felix start even when the kernel reverse-path filter is in loose mode (rp_filter=2), which weakens anti-spoofing.',
    seedPage: {wrong: OMITTED},
  }),
  p({
    name: 'StartupCleanupDelay',
    kind: {type: 'int'},
    default: '30',
    doc:
      'Delay, in seconds, before Felix does its start-of-day cleanup of orphaned iptables chains and ipsets. Until then it runs in ' +
      '"graceful restart" mode and keeps pre-existing chains and ipsets. Increase it in a large deployment to give Felix time to load the initial snapshot.',
    seedPage: {says: 'Default 30; delay in seconds before the start-of-day cleanup.'},
  }),
  p({
    name: 'PeriodicResyncInterval',
    kind: {type: 'int'},
    default: '3600',
    doc: 'Period, in seconds, at which Felix does a full resynchronisation with the datastore.',
    seedPage: {wrong: OMITTED},
  }),
  p({
    name: 'HostInterfacePollInterval',
    kind: {type: 'int'},
    default: '10',
    doc: 'Period, in seconds, at which Felix polls the host interfaces for changes to host endpoints.',
    seedPage: {wrong: OMITTED},
  }),
  p({
    name: 'IptablesRefreshInterval',
    kind: {type: 'int'},
    default: '60',
    doc: "Period, in seconds, at which Felix re-applies all iptables state so that no other process can have broken Calico's rules. 0 disables the refresh.",
    seedPage: {says: 'Default 60; "Set to 0 to disable iptables refresh."'},
  }),
  p({
    name: 'MetadataAddr',
    kind: {type: 'hostname'},
    default: '127.0.0.1',
    dieOnFail: true,
    doc:
      'OpenStack: IP address or host name of the server that answers VM cloud-init metadata queries (nova-api or nova-api-metadata). ' +
      '"none" (any case) means Felix sets up no NAT rule for the metadata path. An invalid value is fatal.',
    seedPage: {
      says: 'No default shown; "A value of None (case insensitive) means that Felix should not set up any NAT rule for the metadata path."',
      wrong: 'The default is 127.0.0.1.',
    },
  }),
  p({
    name: 'MetadataPort',
    kind: port,
    default: '8775',
    dieOnFail: true,
    doc: 'OpenStack: port of the metadata server; with MetadataAddr it forms the NAT rule target MetadataAddr:MetadataPort. An invalid value is fatal.',
    seedPage: {says: 'Default 8775.'},
  }),
  p({
    name: 'InterfacePrefix',
    kind: {type: 'iface-list'},
    default: 'cali',
    nonZero: true,
    dieOnFail: true,
    doc:
      'Name prefix(es) of the workload interfaces Felix manages, comma-separated without spaces (for example tap for OpenStack, cali elsewhere). ' +
      'Calico blocks traffic to and from interfaces with these prefixes by default.',
    seedPage: {wrong: OMITTED},
  }),
  p({
    name: 'ChainInsertMode',
    kind: {type: 'oneof', values: ['insert', 'append']},
    default: 'insert',
    nonZero: true,
    dieOnFail: true,
    since: '2.0.1',
    doc: 'Whether Felix inserts its jump rules at the top of the kernel iptables chains (insert) or appends them at the bottom (append).',
    seedPage: {wrong: OMITTED + ' It appeared in Felix 2.0.1.'},
  }),
  p({
    name: 'DefaultEndpointToHostAction',
    kind: {type: 'oneof', values: ['DROP', 'RETURN', 'ACCEPT']},
    default: 'DROP',
    nonZero: true,
    dieOnFail: true,
    doc:
      'What happens to traffic from a workload endpoint to the host itself, after endpoint egress policy. DROP (default) blocks it; RETURN ' +
      'returns it to the INPUT chain (use it if you have your own INPUT rules); ACCEPT accepts it unconditionally.',
    seedPage: {says: 'Default DROP; RETURN or ACCEPT to allow endpoint-to-host traffic.'},
  }),
  p({
    name: 'DropActionOverride',
    kind: {type: 'oneof', values: ['DROP', 'ACCEPT', 'LOG-and-DROP', 'LOG-and-ACCEPT']},
    default: 'DROP',
    nonZero: true,
    dieOnFail: true,
    doc: 'What Felix does with packets its policy drops: DROP, ACCEPT (for debugging), or LOG-and-DROP / LOG-and-ACCEPT to log them with LogPrefix first.',
    seedPage: {wrong: OMITTED},
  }),
  p({
    name: 'LogPrefix',
    kind: {type: 'string'},
    default: 'calico-drop',
    since: '2.0.1',
    doc: 'Prefix of the iptables log lines written when DropActionOverride is LOG-and-DROP or LOG-and-ACCEPT.',
    seedPage: {wrong: OMITTED + ' It appeared in Felix 2.0.1.'},
  }),
  p({
    name: 'LogFilePath',
    kind: {type: 'file'},
    default: '/var/log/calico/felix.log',
    dieOnFail: true,
    doc: 'The full path to the Felix log file. "none" disables file logging.',
    seedPage: {says: 'Default /var/log/calico/felix.log; "Set to none to disable file logging."'},
  }),
  p({
    name: 'EtcdDriverLogFilePath',
    kind: {type: 'file'},
    default: '/var/log/calico/felix-etcd.log',
    doc: "The full path to the log file of Felix's etcd driver.",
    seedPage: {wrong: OMITTED},
  }),
  p({
    name: 'LogSeverityFile',
    kind: logSeverity,
    default: 'INFO',
    doc: 'Lowest severity sent to the log file: DEBUG, INFO, WARNING, ERROR or CRITICAL (any case). "none" gives the empty value.',
    seedPage: {
      says: 'Default INFO; values DEBUG, INFO, WARNING, ERROR, CRITICAL, or NONE for no logging (any case).',
      wrong: 'NONE is not one of the levels: it is the generic "none", which gives the empty value.',
    },
  }),
  p({
    name: 'LogSeverityScreen',
    kind: logSeverity,
    default: 'INFO',
    doc: 'Lowest severity sent to standard output: DEBUG, INFO, WARNING, ERROR or CRITICAL (any case). "none" gives the empty value.',
    seedPage: {
      says: 'Default ERROR; values as for LogSeveritySys.',
      wrong: 'The default is INFO, not ERROR. NONE is not one of the levels: it is the generic "none", which gives the empty value.',
    },
  }),
  p({
    name: 'LogSeveritySys',
    kind: logSeverity,
    default: 'INFO',
    doc: 'Lowest severity sent to syslog: DEBUG, INFO, WARNING, ERROR or CRITICAL (any case). "none" gives the empty value.',
    seedPage: {
      says: 'Default ERROR; values DEBUG, INFO, WARNING, ERROR, CRITICAL, or NONE for no logging to syslog (any case).',
      wrong: 'The default is INFO, not ERROR. NONE is not one of the levels: it is the generic "none", which gives the empty value.',
    },
  }),
  p({
    name: 'IpInIpEnabled',
    kind: {type: 'bool'},
    default: 'false',
    doc: 'Whether Felix sets up the IP-in-IP tunnel device (tunl0) for IPIP-encapsulated pools.',
    seedPage: {wrong: OMITTED},
  }),
  p({
    name: 'IpInIpMtu',
    kind: {type: 'int'},
    default: '1440',
    nonZero: true,
    doc: 'MTU of the IP-in-IP tunnel device.',
    seedPage: {wrong: OMITTED},
  }),
  p({
    name: 'IpInIpTunnelAddr',
    kind: {type: 'ipv4'},
    default: '',
    doc: 'IP address given to the IP-in-IP tunnel device. Empty (the default) assigns none. Any IP Go accepts parses, IPv6 included.',
    seedPage: {wrong: OMITTED},
  }),
  p({
    name: 'ReportingIntervalSecs',
    kind: {type: 'int'},
    default: '30',
    doc: 'Interval, in seconds, at which Felix reports its status into the datastore; 0 disables reporting. Must be non-zero in OpenStack deployments.',
    seedPage: {says: 'Default 30; "0 to disable. Must be non-zero in OpenStack deployments."'},
  }),
  p({
    name: 'ReportingTTLSecs',
    kind: {type: 'int'},
    default: '90',
    doc: 'Time-to-live, in seconds, of the status reports Felix writes.',
    seedPage: {says: 'Default 90; "Time-to-live setting for process-wide status reports."'},
  }),
  p({
    name: 'EndpointReportingEnabled',
    kind: {type: 'bool'},
    default: 'false',
    doc: 'Whether Felix reports the status of each endpoint into the datastore.',
    seedPage: {wrong: OMITTED},
  }),
  p({
    name: 'EndpointReportingDelaySecs',
    kind: {type: 'float'},
    default: '1.0',
    doc: 'Delay, in seconds (fractions allowed), before Felix reports endpoint status, to rate-limit the reports.',
    seedPage: {wrong: OMITTED},
  }),
  p({
    name: 'MaxIpsetSize',
    kind: {type: 'int'},
    default: '1048576',
    nonZero: true,
    doc: 'Maximum size of the ipsets Felix uses to implement tags; set it above the largest number of IP addresses a tag will ever hold.',
    seedPage: {says: 'Default 1048576.'},
  }),
  p({
    name: 'IptablesMarkMask',
    kind: {type: 'mark-bitmask'},
    default: '0xff000000',
    nonZero: true,
    dieOnFail: true,
    doc:
      'Mask from which Felix takes its iptables mark bits: a 32-bit number (0x hex, decimal or leading-0 octal) with at least 2 bits set, ' +
      'none of which clash with other mark bits in use on the host. An invalid value is fatal.',
    seedPage: {says: 'Default 0xff000000; "a 32 bit hexadecimal number with at least 8 bits set".', wrong: 'Felix needs only 2 bits set, not 8.'},
  }),
  p({
    name: 'PrometheusMetricsEnabled',
    kind: {type: 'bool'},
    default: 'false',
    doc: "Set to true to enable Felix's experimental Prometheus metrics server.",
    seedPage: {says: 'Default "false".'},
  }),
  p({
    name: 'PrometheusMetricsPort',
    kind: port,
    default: '9091',
    doc: 'Experimental: TCP port the Prometheus metrics server binds to.',
    seedPage: {says: 'Default 9091.'},
  }),
  p({
    name: 'DataplaneDriverPrometheusMetricsPort',
    kind: port,
    default: '9092',
    doc: 'Experimental: TCP port the Prometheus metrics server of the dataplane driver process binds to.',
    seedPage: {says: 'Default 9092.'},
  }),
  p({
    name: 'FailsafeInboundHostPorts',
    kind: {type: 'port-list'},
    default: '22',
    dieOnFail: true,
    doc:
      'TCP ports on which Felix always allows incoming traffic to host endpoints, whatever the policy, so a bad configuration cannot cut off the host. ' +
      'Comma-separated without spaces ("22, 80" is invalid and fatal); "none" allows none. The default keeps ssh open.',
    seedPage: {says: 'Default 22; comma-delimited list; "none" disables all inbound failsafe ports.', wrong: 'The page does not say that spaces are not allowed and that an invalid list is fatal.'},
  }),
  p({
    name: 'FailsafeOutboundHostPorts',
    kind: {type: 'port-list'},
    default: '2379,2380,4001,7001',
    dieOnFail: true,
    doc:
      'TCP ports to which Felix always allows outgoing traffic from host endpoints, whatever the policy. Comma-separated without spaces; ' +
      '"none" allows none. The default keeps etcd\'s standard ports open so Felix is not cut off from etcd.',
    seedPage: {says: 'Default 2379,2380,4001,7001; "none" disables all outbound failsafe ports.', wrong: 'The page does not say that spaces are not allowed and that an invalid list is fatal.'},
  }),
  p({
    name: 'UsageReportingEnabled',
    kind: {type: 'bool'},
    default: 'true',
    doc:
      'Reports the anonymous Calico version number and cluster size to projectcalico.org, and logs warnings returned by the usage server ' +
      '(for example a security vulnerability in the running version).',
    seedPage: {says: 'Default "true".'},
  }),
  p({
    name: 'ClusterGUID',
    kind: {type: 'string'},
    default: 'baddecaf',
    doc: 'Identifier of the cluster sent with usage reports. The orchestrator plugin normally sets it in etcd.',
    seedPage: {wrong: OMITTED},
  }),
  p({
    name: 'ClusterType',
    kind: {type: 'string'},
    default: '',
    doc: 'Free-form description of the cluster (for example the orchestrator) sent with usage reports.',
    seedPage: {wrong: OMITTED},
  }),
]
