// The benchmark fleet: 40 global keys and, per host, 5 per-host config keys, as a
// Calico 2.0 cluster has them (calico/node writes IpInIpTunnelAddr per host, operators
// pin a few parameters on some hosts). Values vary per host, so no two hosts are alike.
// Deterministic: the same host index always gives the same keys.

/** 40 global keys: 32 known parameters (canonical spelling) and 8 unknown ones, as real clusters accumulate. */
export function globalKvs() {
  const known = {
    LogSeverityFile: 'INFO',
    LogSeverityScreen: 'INFO',
    LogSeveritySys: 'INFO',
    IpInIpEnabled: 'true',
    IpInIpMtu: '1440',
    InterfacePrefix: 'cali',
    ChainInsertMode: 'insert',
    DefaultEndpointToHostAction: 'DROP',
    DropActionOverride: 'DROP',
    LogPrefix: 'calico-packet',
    LogFilePath: '/var/log/calico/felix.log',
    EtcdDriverLogFilePath: '/var/log/calico/felix-etcd.log',
    Ipv6Support: 'true',
    IgnoreLooseRPF: 'false',
    StartupCleanupDelay: '0',
    PeriodicResyncInterval: '3600',
    HostInterfacePollInterval: '10',
    IptablesRefreshInterval: '60',
    MetadataAddr: '127.0.0.1',
    MetadataPort: '8775',
    ReportingIntervalSecs: '30',
    ReportingTTLSecs: '90',
    EndpointReportingEnabled: 'false',
    EndpointReportingDelaySecs: '1',
    MaxIpsetSize: '1048576',
    IptablesMarkMask: '0xff000000',
    PrometheusMetricsEnabled: 'false',
    PrometheusMetricsPort: '9091',
    FailsafeInboundHostPorts: '22',
    FailsafeOutboundHostPorts: '2379,2380,4001,7001',
    UsageReportingEnabled: 'true',
    ClusterType: 'bgp,ipip',
  }
  const kvs = Object.entries(known).map(([k, v]) => [`/calico/v1/config/${k}`, v])
  for (let i = 0; i < 8; i++) kvs.push([`/calico/v1/config/Site${i}Label`, `rack-${i}`])
  return kvs
}

export const SEVERITIES = ['INFO', 'DEBUG', 'WARNING', 'ERROR']
export const MTUS = ['1440', '1420', '1400', '1480']

export function hostName(i) {
  return `node${i}`
}

/** Five per-host keys; every host has a unique IpInIpTunnelAddr, and a spread of the others. */
export function hostKvs(i) {
  const h = hostName(i)
  const p = `/calico/v1/host/${h}/config/`
  return [
    [`${p}IpInIpTunnelAddr`, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`],
    [`${p}LogSeverityFile`, SEVERITIES[i % 4]],
    [`${p}IpInIpMtu`, MTUS[i % 4]],
    [`${p}ReportingIntervalSecs`, String(30 + (i % 7) * 10)],
    [`${p}DefaultEndpointToHostAction`, i % 5 === 0 ? 'RETURN' : 'DROP'],
  ]
}

export function fleetKvs(fromHost, toHost, withGlobal = true) {
  const kvs = withGlobal ? [['/calico/v1/Ready', 'true'], ...globalKvs()] : []
  for (let i = fromHost; i < toHost; i++) kvs.push(...hostKvs(i))
  return kvs
}

/**
 * The broken fleet (issue 14): the global layer has 40 keys, of which `MetadataPort = INFO`
 * is a die-on-fail invalid value (Felix stops on every host) and 30 have names Felix does
 * not know; the hosts are the healthy fleet's, except that every 97th host also holds a
 * die-on-fail invalid value of its own and every 13th spells LogSeverityFile non-canonically.
 */
export function brokenGlobalKvs() {
  const known = globalKvs().filter(([k]) => !/Site\d+Label$/.test(k)).slice(0, 9)
  const kvs = known.map(([k, v]) => [k, k.endsWith('/MetadataPort') ? 'INFO' : v])
  if (!kvs.some(([k]) => k.endsWith('/MetadataPort'))) kvs.push(['/calico/v1/config/MetadataPort', 'INFO'])
  for (let i = 0; kvs.length < 40; i++) kvs.push([`/calico/v1/config/Site${i}Label`, `rack-${i}`])
  return kvs
}

export function brokenHostKvs(i) {
  const kvs = hostKvs(i)
  if (i % 13 === 0) kvs[1] = [kvs[1][0].replace(/LogSeverityFile$/, 'logseverityfile'), kvs[1][1]]
  if (i % 97 === 0) kvs[4] = [kvs[4][0], 'BOGUS']
  return kvs
}

export function brokenFleetKvs(fromHost, toHost) {
  const kvs = [['/calico/v1/Ready', 'true'], ...brokenGlobalKvs()]
  for (let i = fromHost; i < toHost; i++) kvs.push(...brokenHostKvs(i))
  return kvs
}
