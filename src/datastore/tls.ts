/**
 * TLS material for the etcd drivers (endpoints are in endpoints.ts, the failure vocabulary in
 * failures.ts). No etcd client is imported here.
 *
 * Felix 2.0 (libcalico-go's etcd backend, transport.TLSInfo) reads EtcdCaFile,
 * EtcdCertFile and EtcdKeyFile whenever they are set, whatever the scheme, so a
 * named file that cannot be read is an error even for http endpoints.
 */
import {readRegularFile} from '../lib/read-file.js'
import {LocalIoError, UsageError} from '../errors.js'
import {DatastoreConnection} from './types.js'
import type {ConnectionSources} from './calicoctl-settings.js'

export interface TlsMaterial {
  ca?: Buffer
  cert?: Buffer
  key?: Buffer
  caFile?: string
  certFile?: string
  keyFile?: string
}

/** The TLS part of a connection; `sources` (a SourcedConnection) says where each file was named. */
type TlsConnection = Pick<DatastoreConnection, 'caFile' | 'certFile' | 'keyFile'> & {sources?: Partial<Pick<ConnectionSources, 'caFile' | 'certFile' | 'keyFile'>>}

const FILE_PARAM: Record<'caFile' | 'certFile' | 'keyFile', string> = {
  caFile: 'EtcdCaFile (--etcd-ca-file)',
  certFile: 'EtcdCertFile (--etcd-cert-file)',
  keyFile: 'EtcdKeyFile (--etcd-key-file)',
}

/** The setting a TLS file came from, for messages: calicoctl's own when it gave the file, else Felix's parameter and felixctl's flag. */
function settingOf(conn: TlsConnection, which: 'caFile' | 'certFile' | 'keyFile'): string {
  const o = conn.sources?.[which]?.origin
  if (o?.source === 'calicoctl-env' && o.name) return `${o.name} (calicoctl's environment)`
  if (o?.source === 'calicoctl-file' && o.name) return `${o.name} in ${o.path ?? "calicoctl's config file"}`
  return FILE_PARAM[which]
}

function readTlsFile(path: string, which: 'caFile' | 'certFile' | 'keyFile', setting: string): Buffer {
  // Its message names the setting and the file, never the contents (a key file is secret).
  const data = readRegularFile(path, setting, 1024 * 1024)
  const text = data.toString('latin1')
  const wanted = which === 'keyFile' ? /-----BEGIN [A-Z ]*PRIVATE KEY-----/ : /-----BEGIN CERTIFICATE-----/
  if (!wanted.test(text)) {
    throw new LocalIoError(
      `cannot use ${setting} ${path}: it holds no PEM ${which === 'keyFile' ? 'private key' : 'certificate'}`,
      {path, code: 'tls-file-invalid', hint: `point ${setting} at a PEM file`},
    )
  }
  return data
}

/** Read the CA, client certificate and key named in the connection (LocalIoError, exit 6, naming the file). */
export function loadTlsMaterial(conn: TlsConnection): TlsMaterial {
  const caFile = conn.caFile || undefined
  const certFile = conn.certFile || undefined
  const keyFile = conn.keyFile || undefined
  if (Boolean(certFile) !== Boolean(keyFile)) {
    throw new UsageError(
      certFile ? `EtcdCertFile ${certFile} is set but EtcdKeyFile is not` : `EtcdKeyFile ${keyFile} is set but EtcdCertFile is not`,
      {hint: 'a client certificate needs its private key: set both --etcd-cert-file and --etcd-key-file, or neither'},
    )
  }
  return {
    caFile,
    certFile,
    keyFile,
    ca: caFile ? readTlsFile(caFile, 'caFile', settingOf(conn, 'caFile')) : undefined,
    cert: certFile ? readTlsFile(certFile, 'certFile', settingOf(conn, 'certFile')) : undefined,
    key: keyFile ? readTlsFile(keyFile, 'keyFile', settingOf(conn, 'keyFile')) : undefined,
  }
}

/** Describe the TLS files in use, for messages about a refused handshake. */
export function describeTlsFiles(tls: TlsMaterial): string {
  const parts = [tls.caFile ? `CA file ${tls.caFile}` : 'the system CA store']
  if (tls.certFile) parts.push(`client cert ${tls.certFile}`, `client key ${tls.keyFile}`)
  return parts.join(', ')
}
