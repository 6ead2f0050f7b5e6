/**
 * Calico v3 facts for `config migrate` (issue 18), transcribed as data from Calico's public
 * sources. Facts carry over, code does not: nothing here is copied Go, only the tables and
 * rules, each with the file and tag it was read from.
 *
 * - FELIX_CONFIGURATION_FIELDS, CLUSTER_INFORMATION_FIELDS: the Spec structs of
 *   projectcalico/libcalico-go lib/apis/v3/felixconfig.go and lib/apis/v3/clusterinfo.go at tag
 *   v3.4.0-0.dev (commit 6106092cbcbfd8fa6dc2742a4101d7f6d42b01e6): Go field name, `json` name,
 *   Go type, and the `confignamev1` / `configv1timescale` tags calico-upgrade matches v1 keys
 *   with. The fields that Felix 2.0 parameters map to have the same json names, types and tags
 *   at v3.21.0.
 * - V3_VALIDATOR_PATTERNS: lib/validator/v3/validator.go at v3.4.0-0.dev (logLevelRegex,
 *   dropAcceptReturnRegex, acceptReturnRegex), which calicoctl applies on `apply`.
 * - FELIX_CONFIGURATION_SCHEMA, CLUSTER_INFORMATION_SCHEMA: the openAPIV3Schema `spec` of
 *   libcalico-go config/crd/crd.projectcalico.org_felixconfigurations.yaml and
 *   crd.projectcalico.org_clusterinformations.yaml at tag v3.21.0 (commit
 *   af45b1fd0cb4c31bc01c6c026f3e4df734bf25a9), descriptions left out. (v3.4.0-0.dev has no
 *   config/crd directory; v3.21.0 is the first tag of that repository that publishes one.)
 * - FELIX3_DEFAULTS: projectcalico/felix config/config_params.go at tag v3.4.0 (commit
 *   b5be3a179526293754184f42167f98f041643a60), the raw defaults of its `config:"kind;default;flags"`
 *   tags, for the Felix 2.0 parameters calico-upgrade maps to a v3 field.
 */

export const V3_SOURCES = {
  fieldTable: {repo: 'projectcalico/libcalico-go', tag: 'v3.4.0-0.dev', commit: '6106092cbcbfd8fa6dc2742a4101d7f6d42b01e6', files: ['lib/apis/v3/felixconfig.go', 'lib/apis/v3/clusterinfo.go']},
  upgradeRules: {
    repo: 'projectcalico/libcalico-go',
    tag: 'v3.4.0-0.dev',
    commit: '6106092cbcbfd8fa6dc2742a4101d7f6d42b01e6',
    files: ['lib/upgrade/migrator/felixconfig.go', 'lib/upgrade/migrator/migrate.go', 'lib/upgrade/converters/names.go'],
  },
  validator: {repo: 'projectcalico/libcalico-go', tag: 'v3.4.0-0.dev', commit: '6106092cbcbfd8fa6dc2742a4101d7f6d42b01e6', files: ['lib/validator/v3/validator.go']},
  crd: {
    repo: 'projectcalico/libcalico-go',
    tag: 'v3.21.0',
    commit: 'af45b1fd0cb4c31bc01c6c026f3e4df734bf25a9',
    files: ['config/crd/crd.projectcalico.org_felixconfigurations.yaml', 'config/crd/crd.projectcalico.org_clusterinformations.yaml'],
  },
  felix3Defaults: {repo: 'projectcalico/felix', tag: 'v3.4.0', commit: 'b5be3a179526293754184f42167f98f041643a60', files: ['config/config_params.go']},
} as const

/** Felix 3 version whose defaults the report compares against. */
export const FELIX3_VERSION = '3.4.0'

/**
 * A Spec field as calico-upgrade's reflection sees it. `type`: `bool`/`int`/`uint32`/`string`
 * (plain or pointer), `duration` (*metav1.Duration), `protoports` (*[]ProtoPort, the Failsafe
 * special case), `other` (a type calico-upgrade reports as "unhandled field type").
 */
export interface V3Field {
  field: string
  json: string
  type: 'bool' | 'int' | 'uint32' | 'string' | 'duration' | 'protoports' | 'other'
  /** `configv1timescale`; calico-upgrade treats a duration without it as seconds. */
  timescale?: 'seconds' | 'milliseconds'
  /** `confignamev1`, when the tag is present. */
  confignamev1?: string
}

const f = (field: string, json: string, type: V3Field['type'], tags: {ts?: 'seconds' | 'milliseconds'; v1?: string} = {}): V3Field => ({
  field,
  json,
  type,
  ...(tags.ts ? {timescale: tags.ts} : {}),
  ...(tags.v1 ? {confignamev1: tags.v1} : {}),
})

/** FelixConfigurationSpec at libcalico-go v3.4.0-0.dev, in declaration order. */
export const FELIX_CONFIGURATION_FIELDS: readonly V3Field[] = [
  f('UseInternalDataplaneDriver', 'useInternalDataplaneDriver', 'bool'),
  f('DataplaneDriver', 'dataplaneDriver', 'string'),
  f('IPv6Support', 'ipv6Support', 'bool', {v1: 'Ipv6Support'}),
  f('IgnoreLooseRPF', 'ignoreLooseRPF', 'bool'),
  f('RouteRefreshInterval', 'routeRefreshInterval', 'duration', {ts: 'seconds'}),
  f('IptablesRefreshInterval', 'iptablesRefreshInterval', 'duration', {ts: 'seconds'}),
  f('IptablesPostWriteCheckInterval', 'iptablesPostWriteCheckInterval', 'duration', {ts: 'seconds', v1: 'IptablesPostWriteCheckIntervalSecs'}),
  f('IptablesLockFilePath', 'iptablesLockFilePath', 'string'),
  f('IptablesLockTimeout', 'iptablesLockTimeout', 'duration', {ts: 'seconds', v1: 'IptablesLockTimeoutSecs'}),
  f('IptablesLockProbeInterval', 'iptablesLockProbeInterval', 'duration', {ts: 'milliseconds', v1: 'IptablesLockProbeIntervalMillis'}),
  f('IpsetsRefreshInterval', 'ipsetsRefreshInterval', 'duration', {ts: 'seconds'}),
  f('MaxIpsetSize', 'maxIpsetSize', 'int'),
  f('NetlinkTimeout', 'netlinkTimeout', 'duration', {ts: 'seconds', v1: 'NetlinkTimeoutSecs'}),
  f('MetadataAddr', 'metadataAddr', 'string'),
  f('MetadataPort', 'metadataPort', 'int'),
  f('InterfacePrefix', 'interfacePrefix', 'string'),
  f('InterfaceExclude', 'interfaceExclude', 'string'),
  f('ChainInsertMode', 'chainInsertMode', 'string'),
  f('DefaultEndpointToHostAction', 'defaultEndpointToHostAction', 'string'),
  f('IptablesFilterAllowAction', 'iptablesFilterAllowAction', 'string'),
  f('IptablesMangleAllowAction', 'iptablesMangleAllowAction', 'string'),
  f('LogPrefix', 'logPrefix', 'string'),
  f('LogFilePath', 'logFilePath', 'string'),
  f('LogSeverityFile', 'logSeverityFile', 'string'),
  f('LogSeverityScreen', 'logSeverityScreen', 'string'),
  f('LogSeveritySys', 'logSeveritySys', 'string'),
  f('IPIPEnabled', 'ipipEnabled', 'bool', {v1: 'IpInIpEnabled'}),
  f('IPIPMTU', 'ipipMTU', 'int', {v1: 'IpInIpMtu'}),
  f('ReportingInterval', 'reportingInterval', 'duration', {ts: 'seconds', v1: 'ReportingIntervalSecs'}),
  f('ReportingTTL', 'reportingTTL', 'duration', {ts: 'seconds', v1: 'ReportingTTLSecs'}),
  f('EndpointReportingEnabled', 'endpointReportingEnabled', 'bool'),
  f('EndpointReportingDelay', 'endpointReportingDelay', 'duration', {ts: 'seconds', v1: 'EndpointReportingDelaySecs'}),
  f('IptablesMarkMask', 'iptablesMarkMask', 'uint32'),
  f('DisableConntrackInvalidCheck', 'disableConntrackInvalidCheck', 'bool'),
  f('HealthEnabled', 'healthEnabled', 'bool'),
  f('HealthHost', 'healthHost', 'string'),
  f('HealthPort', 'healthPort', 'int'),
  f('PrometheusMetricsEnabled', 'prometheusMetricsEnabled', 'bool'),
  f('PrometheusMetricsPort', 'prometheusMetricsPort', 'int'),
  f('PrometheusGoMetricsEnabled', 'prometheusGoMetricsEnabled', 'bool'),
  f('PrometheusProcessMetricsEnabled', 'prometheusProcessMetricsEnabled', 'bool'),
  f('FailsafeInboundHostPorts', 'failsafeInboundHostPorts', 'protoports'),
  f('FailsafeOutboundHostPorts', 'failsafeOutboundHostPorts', 'protoports'),
  f('KubeNodePortRanges', 'kubeNodePortRanges', 'other'),
  f('PolicySyncPathPrefix', 'policySyncPathPrefix', 'string'),
  f('UsageReportingEnabled', 'usageReportingEnabled', 'bool'),
  f('UsageReportingInitialDelay', 'usageReportingInitialDelay', 'duration', {ts: 'seconds', v1: 'UsageReportingInitialDelaySecs'}),
  f('UsageReportingInterval', 'usageReportingInterval', 'duration', {ts: 'seconds', v1: 'UsageReportingIntervalSecs'}),
  f('NATPortRange', 'natPortRange', 'other'),
  f('ExternalNodesCIDRList', 'externalNodesList', 'other'),
  f('DebugMemoryProfilePath', 'debugMemoryProfilePath', 'string'),
  f('DebugDisableLogDropping', 'debugDisableLogDropping', 'bool'),
  f('DebugSimulateCalcGraphHangAfter', 'debugSimulateCalcGraphHangAfter', 'duration', {ts: 'seconds'}),
  f('DebugSimulateDataplaneHangAfter', 'debugSimulateDataplaneHangAfter', 'duration', {ts: 'seconds'}),
]

/** ClusterInformationSpec at libcalico-go v3.4.0-0.dev. */
export const CLUSTER_INFORMATION_FIELDS: readonly V3Field[] = [
  f('ClusterGUID', 'clusterGUID', 'string'),
  f('ClusterType', 'clusterType', 'string'),
  f('CalicoVersion', 'calicoVersion', 'string'),
  f('DatastoreReady', 'datastoreReady', 'bool'),
]

/** The v1 key name calico-upgrade matches a field with (getConfigName): `confignamev1`, else the Go field name. Exact, case-sensitive. */
export function v1NameOf(field: V3Field): string {
  return field.confignamev1 ?? field.field
}

/** Field validators calicoctl applies (lib/validator/v3/validator.go, v3.4.0-0.dev), by json name. */
export const V3_VALIDATOR_PATTERNS: Readonly<Record<string, RegExp>> = {
  logSeverityFile: /^(Debug|Info|Warning|Error|Fatal)$/,
  logSeverityScreen: /^(Debug|Info|Warning|Error|Fatal)$/,
  logSeveritySys: /^(Debug|Info|Warning|Error|Fatal)$/,
  defaultEndpointToHostAction: /^(Drop|Accept|Return)$/,
  iptablesFilterAllowAction: /^(Accept|Return)$/,
  iptablesMangleAllowAction: /^(Accept|Return)$/,
}

/** A subset of OpenAPI v3 schema, as the CRDs use it. */
export interface SchemaNode {
  type?: 'string' | 'integer' | 'boolean' | 'object' | 'array'
  format?: string
  enum?: readonly string[]
  pattern?: string
  anyOf?: readonly SchemaNode[]
  items?: SchemaNode
  properties?: Readonly<Record<string, SchemaNode>>
  required?: readonly string[]
  'x-kubernetes-int-or-string'?: boolean
}

/** The CRD's openAPIV3Schema `spec` of FelixConfiguration (v3.21.0), descriptions left out. */
export const FELIX_CONFIGURATION_SCHEMA: SchemaNode = {
  type: 'object',
  properties: {
    allowIPIPPacketsFromWorkloads: {type: 'boolean'},
    allowVXLANPacketsFromWorkloads: {type: 'boolean'},
    awsSrcDstCheck: {enum: ['DoNothing', 'Enable', 'Disable'], type: 'string'},
    bpfConnectTimeLoadBalancingEnabled: {type: 'boolean'},
    bpfDataIfacePattern: {type: 'string'},
    bpfDisableUnprivileged: {type: 'boolean'},
    bpfEnabled: {type: 'boolean'},
    bpfExtToServiceConnmark: {type: 'integer'},
    bpfExternalServiceMode: {type: 'string'},
    bpfKubeProxyEndpointSlicesEnabled: {type: 'boolean'},
    bpfKubeProxyIptablesCleanupEnabled: {type: 'boolean'},
    bpfKubeProxyMinSyncPeriod: {type: 'string'},
    bpfLogLevel: {type: 'string'},
    bpfPSNATPorts: {anyOf: [{type: 'integer'}, {type: 'string'}], pattern: '^.*', 'x-kubernetes-int-or-string': true},
    chainInsertMode: {type: 'string'},
    dataplaneDriver: {type: 'string'},
    debugDisableLogDropping: {type: 'boolean'},
    debugMemoryProfilePath: {type: 'string'},
    debugSimulateCalcGraphHangAfter: {type: 'string'},
    debugSimulateDataplaneHangAfter: {type: 'string'},
    defaultEndpointToHostAction: {type: 'string'},
    deviceRouteProtocol: {type: 'integer'},
    deviceRouteSourceAddress: {type: 'string'},
    disableConntrackInvalidCheck: {type: 'boolean'},
    endpointReportingDelay: {type: 'string'},
    endpointReportingEnabled: {type: 'boolean'},
    externalNodesList: {items: {type: 'string'}, type: 'array'},
    failsafeInboundHostPorts: {items: {properties: {net: {type: 'string'}, port: {type: 'integer'}, protocol: {type: 'string'}}, required: ['port', 'protocol'], type: 'object'}, type: 'array'},
    failsafeOutboundHostPorts: {items: {properties: {net: {type: 'string'}, port: {type: 'integer'}, protocol: {type: 'string'}}, required: ['port', 'protocol'], type: 'object'}, type: 'array'},
    featureDetectOverride: {type: 'string'},
    genericXDPEnabled: {type: 'boolean'},
    healthEnabled: {type: 'boolean'},
    healthHost: {type: 'string'},
    healthPort: {type: 'integer'},
    interfaceExclude: {type: 'string'},
    interfacePrefix: {type: 'string'},
    interfaceRefreshInterval: {type: 'string'},
    ipipEnabled: {type: 'boolean'},
    ipipMTU: {type: 'integer'},
    ipsetsRefreshInterval: {type: 'string'},
    iptablesBackend: {type: 'string'},
    iptablesFilterAllowAction: {type: 'string'},
    iptablesLockFilePath: {type: 'string'},
    iptablesLockProbeInterval: {type: 'string'},
    iptablesLockTimeout: {type: 'string'},
    iptablesMangleAllowAction: {type: 'string'},
    // The CRD says int32; Calico's Go type is *uint32 (felixconfig.go), so 0xff000000 is carried as 4278190080.
    iptablesMarkMask: {format: 'int32', type: 'integer'},
    iptablesNATOutgoingInterfaceFilter: {type: 'string'},
    iptablesPostWriteCheckInterval: {type: 'string'},
    iptablesRefreshInterval: {type: 'string'},
    // Not in the v3.21.0 CRD: libcalico-go commit c6f83d31 ("Remove IgnoreLooseRPF", first in
    // v3.13.0-0.dev) removed it; the v3.4.0-0.dev API this migration targets has it (*bool).
    ignoreLooseRPF: {type: 'boolean'},
    ipv6Support: {type: 'boolean'},
    kubeNodePortRanges: {items: {anyOf: [{type: 'integer'}, {type: 'string'}], pattern: '^.*', 'x-kubernetes-int-or-string': true}, type: 'array'},
    logFilePath: {type: 'string'},
    logPrefix: {type: 'string'},
    logSeverityFile: {type: 'string'},
    logSeverityScreen: {type: 'string'},
    logSeveritySys: {type: 'string'},
    maxIpsetSize: {type: 'integer'},
    metadataAddr: {type: 'string'},
    metadataPort: {type: 'integer'},
    mtuIfacePattern: {type: 'string'},
    natOutgoingAddress: {type: 'string'},
    natPortRange: {anyOf: [{type: 'integer'}, {type: 'string'}], pattern: '^.*', 'x-kubernetes-int-or-string': true},
    netlinkTimeout: {type: 'string'},
    openstackRegion: {type: 'string'},
    policySyncPathPrefix: {type: 'string'},
    prometheusGoMetricsEnabled: {type: 'boolean'},
    prometheusMetricsEnabled: {type: 'boolean'},
    prometheusMetricsHost: {type: 'string'},
    prometheusMetricsPort: {type: 'integer'},
    prometheusProcessMetricsEnabled: {type: 'boolean'},
    prometheusWireGuardMetricsEnabled: {type: 'boolean'},
    removeExternalRoutes: {type: 'boolean'},
    reportingInterval: {type: 'string'},
    reportingTTL: {type: 'string'},
    routeRefreshInterval: {type: 'string'},
    routeSource: {type: 'string'},
    routeTableRange: {properties: {max: {type: 'integer'}, min: {type: 'integer'}}, required: ['max', 'min'], type: 'object'},
    serviceLoopPrevention: {type: 'string'},
    sidecarAccelerationEnabled: {type: 'boolean'},
    usageReportingEnabled: {type: 'boolean'},
    usageReportingInitialDelay: {type: 'string'},
    usageReportingInterval: {type: 'string'},
    useInternalDataplaneDriver: {type: 'boolean'},
    vxlanEnabled: {type: 'boolean'},
    vxlanMTU: {type: 'integer'},
    vxlanPort: {type: 'integer'},
    vxlanVNI: {type: 'integer'},
    wireguardEnabled: {type: 'boolean'},
    wireguardHostEncryptionEnabled: {type: 'boolean'},
    wireguardInterfaceName: {type: 'string'},
    wireguardListeningPort: {type: 'integer'},
    wireguardMTU: {type: 'integer'},
    wireguardRoutingRulePriority: {type: 'integer'},
    xdpEnabled: {type: 'boolean'},
    xdpRefreshInterval: {type: 'string'},
  },
}

/** The CRD's openAPIV3Schema `spec` of ClusterInformation (v3.21.0). */
export const CLUSTER_INFORMATION_SCHEMA: SchemaNode = {
  type: 'object',
  properties: {
    calicoVersion: {type: 'string'},
    clusterGUID: {type: 'string'},
    clusterType: {type: 'string'},
    datastoreReady: {type: 'boolean'},
    variant: {type: 'string'},
  },
}

/**
 * Felix 3.4.0's defaults (config/config_params.go), raw as in its tags, for the Felix 2.0
 * parameters with a v3 field. Kinds there: `seconds` for the durations, `port-list` of
 * `proto:port`, mark-bitmask, oneof (LogSeverity* now DEBUG..FATAL, no CRITICAL).
 * DatastoreType's default moved from etcdv2 to etcdv3 and is local-only (no v3 field).
 */
export const FELIX3_DEFAULTS: Readonly<Record<string, string>> = {
  DataplaneDriver: 'calico-iptables-plugin',
  Ipv6Support: 'true',
  IgnoreLooseRPF: 'false',
  IptablesRefreshInterval: '90',
  MaxIpsetSize: '1048576',
  MetadataAddr: '127.0.0.1',
  MetadataPort: '8775',
  InterfacePrefix: 'cali',
  ChainInsertMode: 'insert',
  DefaultEndpointToHostAction: 'DROP',
  LogPrefix: 'calico-packet',
  LogFilePath: '/var/log/calico/felix.log',
  LogSeverityFile: 'INFO',
  LogSeverityScreen: 'INFO',
  LogSeveritySys: 'INFO',
  IpInIpEnabled: 'false',
  IpInIpMtu: '1440',
  ReportingIntervalSecs: '30',
  ReportingTTLSecs: '90',
  EndpointReportingEnabled: 'false',
  EndpointReportingDelaySecs: '1',
  IptablesMarkMask: '0xffff0000',
  PrometheusMetricsEnabled: 'false',
  PrometheusMetricsPort: '9091',
  FailsafeInboundHostPorts: 'tcp:22,udp:68,tcp:179,tcp:2379,tcp:2380,tcp:6666,tcp:6667',
  FailsafeOutboundHostPorts: 'udp:53,udp:67,tcp:179,tcp:2379,tcp:2380,tcp:6666,tcp:6667',
  UsageReportingEnabled: 'true',
  ClusterGUID: 'baddecaf',
  ClusterType: '',
}

/**
 * Felix 3 (v3.4.0) reads a string field that is empty as unset (libcalico-go
 * configurationprocessor.go: a zero-length string becomes nil) and a raw `none` as the zero
 * value (config_params.go), so `none` is how a v3 resource carries an empty string.
 */
export const V3_NONE = 'none'

/** Kubernetes object names (DNS-1123 subdomain): what a v3 resource name must be. */
export const RESOURCE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
export const RESOURCE_NAME_MAX = 253
