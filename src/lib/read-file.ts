/**
 * The one way felixctl reads a local input file (config, env file, snapshot, TLS material,
 * OpenStack files): only regular files (a FIFO or a device would block or never end), never
 * more than a bound (character devices such as /dev/null are read too), and every failure a LocalIoError (exit 6) that names the file.
 */
import {closeSync, constants, fstatSync, openSync, readSync} from 'node:fs'
import {LocalIoError, localIoErrorFrom} from '../errors.js'

/** Felix's, Calico's and OpenStack's files are small; anything larger is not one of them. */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024

export function readRegularFile(path: string, what = 'file', maxBytes = MAX_INPUT_BYTES): Buffer {
  let fd: number
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (error) {
    const e = localIoErrorFrom(error, path, 'read')
    // Name what the file is for ("cannot read EtcdKeyFile (--etcd-key-file) /k: permission denied").
    throw new LocalIoError(e.message.replace(`cannot read ${path}`, `cannot read ${what} ${path}`), {path, hint: e.hint, code: e.code, cause: error})
  }
  try {
    const st = fstatSync(fd)
    if (st.isDirectory()) throw new LocalIoError(`cannot read ${what} ${path}: is a directory, not a file`, {path, hint: 'name the file, not the directory', code: 'file-eisdir'})
    // A FIFO or socket would block; a character device (/dev/null as "no file") is read, bounded.
    if (!st.isFile() && !st.isCharacterDevice()) throw new LocalIoError(`cannot read ${what} ${path}: not a regular file`, {path, hint: 'name a regular file (not a FIFO, socket or device)', code: 'file-not-regular'})
    if (st.size > maxBytes) {
      throw new LocalIoError(`cannot read ${what} ${path}: ${st.size} bytes is larger than the ${Math.round(maxBytes / 1024 / 1024)} MiB felixctl reads`, {path, hint: `this does not look like a ${what}`, code: 'file-too-large'})
    }
    // /proc files report size 0: read until EOF, still bounded.
    const chunks: Buffer[] = []
    let total = 0
    for (;;) {
      const buf = Buffer.allocUnsafe(st.size > 0 ? Math.min(st.size + 1, maxBytes + 1) : 65536)
      const n = readSync(fd, buf, 0, buf.length, null)
      if (n === 0) break
      chunks.push(buf.subarray(0, n))
      total += n
      if (total > maxBytes) throw new LocalIoError(`cannot read ${what} ${path}: larger than the ${Math.round(maxBytes / 1024 / 1024)} MiB felixctl reads`, {path, code: 'file-too-large'})
    }
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total)
  } catch (error) {
    if (error instanceof LocalIoError) throw error
    throw localIoErrorFrom(error, path, 'read')
  } finally {
    closeSync(fd)
  }
}
