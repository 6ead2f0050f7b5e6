/**
 * Reading OpenStack config files the way the services do: the main file, then
 * `<service>.conf.d/*.conf` in name order (oslo.config `--config-dir`), later files winning.
 */
import {readdirSync, statSync} from 'node:fs'
import {readRegularFile} from '../lib/read-file.js'
import {basename, dirname, join} from 'node:path'
import {localIoErrorFrom} from '../errors.js'
import {OsloAssignment, OsloIniDocument, OsloIniParseError, decodeOsloText, findOsloAssignments, parseOsloIni} from '../formats/oslo-ini.js'

export interface OsloSource {
  path: string
  doc?: OsloIniDocument
  /** Set when oslo.config could not read the file: the service would not start. */
  error?: OsloIniParseError
}

export interface OsloLookup {
  assignment: OsloAssignment
  path: string
}

/** Read and parse one file; fs errors become LocalIoError (exit 6), parse errors are kept in the result. */
export function readOsloSource(path: string): OsloSource {
  const buf = readRegularFile(path, 'OpenStack config file')
  try {
    return {path, doc: parseOsloIni(decodeOsloText(buf))}
  } catch (error) {
    if (error instanceof OsloIniParseError) return {path, error}
    throw error
  }
}

/** `/etc/nova/nova.conf` -> `/etc/nova/nova.conf.d` (only for `<service>.conf` files). */
export function confDirFor(path: string): string | undefined {
  return basename(path).endsWith('.conf') ? join(dirname(path), basename(path) + '.d') : undefined
}

/** The `*.conf` files of a conf.d directory, in name order; none when the directory is absent. */
export function confDirFiles(dir: string): string[] {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return []
    throw localIoErrorFrom(error, dir, 'read')
  }
  return names
    .filter((n) => n.endsWith('.conf'))
    .sort()
    .map((n) => join(dir, n))
    .filter((p) => {
      try {
        return statSync(p).isFile()
      } catch {
        return false
      }
    })
}

/**
 * oslo.config's lookup of a single-valued option (`cfg._Namespace._get_file_value`):
 * files newest first; within a file the current name before deprecated ones; within
 * a section the last occurrence wins.
 */
export function lookupOslo(sources: OsloSource[], names: {section: string; key: string}[]): OsloLookup | undefined {
  for (let i = sources.length - 1; i >= 0; i--) {
    const doc = sources[i].doc
    if (!doc) continue
    for (const n of names) {
      const all = findOsloAssignments(doc, n.section, n.key)
      if (all.length) return {assignment: all[all.length - 1], path: sources[i].path}
    }
  }
  return undefined
}
