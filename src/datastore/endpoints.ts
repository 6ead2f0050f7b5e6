/** Endpoints as Felix lists them (EtcdEndpoints, or EtcdScheme://EtcdAddr): parsing, and the form messages show. */
import {UsageError} from '../errors.js'
import type {DatastoreConnection} from './types.js'

/** An endpoint as messages may show it: any user:password@ part replaced. */
export function redactEndpoint(endpoint: string): string {
  return endpoint.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@')
}

/** Parse one endpoint into a URL ("host:port" without a scheme means http). */
export function parseEndpoint(endpoint: string): URL {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `http://${endpoint}`
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new UsageError(`invalid etcd endpoint ${JSON.stringify(redactEndpoint(endpoint))}`, {hint: 'an endpoint looks like http://127.0.0.1:2379 or https://etcd1:2379'})
  }
  if (url.username || url.password) {
    // Felix 2.0 has no etcd authentication, and a password must never reach a message.
    throw new UsageError(`etcd endpoint ${JSON.stringify(redactEndpoint(text))} carries credentials, which Felix 2.0 (and felixctl) do not support`, {
      hint: 'remove the user:password@ part; secure etcd with TLS client certificates (--etcd-cert-file, --etcd-key-file)',
      code: 'endpoint-credentials',
    })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`invalid etcd endpoint ${JSON.stringify(redactEndpoint(endpoint))}: the scheme must be http or https`, {
      hint: 'an endpoint looks like http://127.0.0.1:2379 or https://etcd1:2379',
    })
  }
  return url
}

export function endpointsOf(conn: Pick<DatastoreConnection, 'endpoints'>): URL[] {
  if (conn.endpoints.length === 0) {
    throw new UsageError('no etcd endpoints given', {hint: 'set --etcd-endpoints or EtcdEndpoints (or EtcdScheme and EtcdAddr)'})
  }
  return conn.endpoints.map(parseEndpoint)
}
