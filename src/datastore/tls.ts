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

export interface TlsMaterial {
  ca?: Buffer
  cert?: Buffer
  key?: Buffer
  caFile?: string
  certFile?: string
  keyFile?: string
}

const FILE_PARAM: Record<'caFile' | 'certFile' | 'keyFile', string> = {
  caFile: 'EtcdCaFile (--etcd-ca-file)',
  certFile: 'EtcdCertFile (--etcd-cert-file)',
  keyFile: 'EtcdKeyFile (--etcd-key-file)',
}

function readTlsFile(path: string, which: 'caFile' | 'certFile' | 'keyFile'): Buffer {
  // Its message names the setting and the file, never the contents (a key file is secret).
  const data = readRegularFile(path, FILE_PARAM[which], 1024 * 1024)
  const text = data.toString('latin1')
  const wanted = which === 'keyFile' ? /-----BEGIN [A-Z ]*PRIVATE KEY-----/ : /-----BEGIN CERTIFICATE-----/
  if (!wanted.test(text)) {
    throw new LocalIoError(
      `cannot use ${FILE_PARAM[which]} ${path}: it holds no PEM ${which === 'keyFile' ? 'private key' : 'certificate'}`,
      {path, code: 'tls-file-invalid', hint: `point ${FILE_PARAM[which]} at a PEM file`},
    )
  }
  return data
}

/** Read the CA, client certificate and key named in the connection (LocalIoError, exit 6, naming the file). */
export function loadTlsMaterial(conn: Pick<DatastoreConnection, 'caFile' | 'certFile' | 'keyFile'>): TlsMaterial {
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
    ca: caFile ? readTlsFile(caFile, 'caFile') : undefined,
    cert: certFile ? readTlsFile(certFile, 'certFile') : undefined,
    key: keyFile ? readTlsFile(keyFile, 'keyFile') : undefined,
  }
}

/** Describe the TLS files in use, for messages about a refused handshake. */
export function describeTlsFiles(tls: TlsMaterial): string {
  const parts = [tls.caFile ? `CA file ${tls.caFile}` : 'the system CA store']
  if (tls.certFile) parts.push(`client cert ${tls.certFile}`, `client key ${tls.keyFile}`)
  return parts.join(', ')
}
