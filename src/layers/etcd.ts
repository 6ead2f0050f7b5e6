/**
 * The two datastore layers (docs/reference/felix-2.0-config.md §3), from the config keys a datastore returned.
 * Pure: kvs in, raw entries with their etcd key as origin out.
 */
import {CONFIG_PREFIX, HOST_PREFIX, Kv} from '../datastore/types.js'
import {RawEntry} from './types.js'

/** Global layer: /calico/v1/config/<Name>. */
export function globalEntries(kvs: readonly Kv[]): RawEntry[] {
  const out: RawEntry[] = []
  for (const kv of kvs) {
    if (!kv.key.startsWith(CONFIG_PREFIX)) continue
    const name = kv.key.slice(CONFIG_PREFIX.length)
    if (name === '' || name.includes('/')) continue
    out.push({layer: 'global', key: name, raw: kv.value, origin: {type: 'etcd', key: kv.key}})
  }
  return out
}

/** Split /calico/v1/host/<host>/config/<Name> into its parts, or null. */
export function parseHostConfigKey(key: string): {host: string; name: string} | null {
  if (!key.startsWith(HOST_PREFIX)) return null
  const parts = key.slice(HOST_PREFIX.length).split('/')
  if (parts.length !== 3 || parts[1] !== 'config' || parts[0] === '' || parts[2] === '') return null
  return {host: parts[0], name: parts[2]}
}

/**
 * Per-host layer for FelixHostname `host`. §3: when the resolved FelixHostname is ""
 * Felix lists the whole /calico/v1/host tree without filtering, so every host's
 * config keys are merged in.
 */
export function hostEntries(kvs: readonly Kv[], host: string): RawEntry[] {
  const out: RawEntry[] = []
  for (const kv of kvs) {
    const parsed = parseHostConfigKey(kv.key)
    if (!parsed) continue
    if (host !== '' && parsed.host !== host) continue
    out.push({layer: 'host', key: parsed.name, raw: kv.value, origin: {type: 'etcd', key: kv.key}})
  }
  return out
}

/** Every host directory that holds config keys, sorted. */
export function hostsWithConfig(kvs: readonly Kv[]): string[] {
  const hosts = new Set<string>()
  for (const kv of kvs) {
    const parsed = parseHostConfigKey(kv.key)
    if (parsed) hosts.add(parsed.host)
  }
  return [...hosts].sort()
}

/** A --host value must be a single etcd path segment (no "/" or ".."), or it would escape the host directory. */
export function hostDirProblem(host: string): string | null {
  if (host === '') return 'it is empty'
  if (host.includes('/')) return 'it contains "/"'
  if (host === '.' || host === '..') return `"${host}" is not a host name`
  if (/[\u0000-\u001f\u007f]/.test(host)) return 'it contains a control character'
  if (/\s/.test(host)) return 'it contains white space'
  return null
}
