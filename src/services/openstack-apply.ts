/**
 * `openstack apply`: merge the rendered settings into an existing file in place.
 * Surgical: only the lines of changed or added keys differ; comments, blank lines,
 * order, unrelated and repeated keys stay byte for byte. Written atomically.
 */
import {copyFileSync} from 'node:fs'
import {CheckFailedError, LocalIoError, NotFoundError, UsageError, localIoErrorFrom} from '../errors.js'
import {
  OsloIniDocument, OsloIniParseError, decodeOsloText, getOsloValue, insertOsloValue, parseOsloBool, parseOsloInt, parseOsloList, parseOsloIni,
  replaceOsloValue, serializeOsloIni,
} from '../formats/oslo-ini.js'
import {FileSnapshot, readForEdit, writeAtomic} from '../lib/atomic-write.js'
import {unifiedDiff} from '../lib/diff.js'
import {resolveOpenStackRelease} from '../openstack/releases.js'
import {DEFAULT_PATHS, EtcdOptions, FILE_KINDS, ML2_PLUGIN_CLASS, OpenStackFileKind, OpenStackSetting, fileKindFromPath, requirementsFor, resolveFileKind} from '../openstack/requirements.js'
import {confDirFiles, confDirFor} from '../openstack/sources.js'
import {checkEtcdOptions, releaseSummary} from './openstack-render.js'

export interface OpenStackApplyOptions {
  /** The file kind (`nova.conf`, `ml2`), or, without `path`, the file's path whose name says its kind. */
  file: string
  path?: string
  release?: string
  etcd?: EtcdOptions
  dryRun?: boolean
  backup?: boolean
  /** Create the file when it does not exist. */
  create?: boolean
  /** Edit through a symbolic link that points outside the file's directory. */
  followSymlinks?: boolean
}

export interface OpenStackApplyChange {
  section: string
  key: string
  action: 'unchanged' | 'changed' | 'added'
  /** The value before (as oslo.config read it), when the key was there. */
  before?: string
  after: string
  /** 1-based line of the key in the new file. */
  line: number
}

export interface OpenStackApplyResult {
  file: OpenStackFileKind
  path: string
  release: {name: string; number?: string; label: string}
  created: boolean
  changed: boolean
  written: boolean
  dryRun: boolean
  backupPath?: string
  changes: OpenStackApplyChange[]
  notes: string[]
  /** Unified diff of the edit ('' when nothing changes). */
  diff: string
}

/** Does an existing (oslo-parsed) value already satisfy the setting? */
export function settingSatisfied(setting: OpenStackSetting, value: string): boolean {
  switch (setting.type) {
    case 'bool':
      return parseOsloBool(value) === parseOsloBool(setting.value)
    case 'int': {
      const have = parseOsloInt(value)
      const want = parseOsloInt(setting.value)!
      return have !== undefined && (setting.match === 'at-least' ? have >= want : have === want)
    }
    case 'list': {
      const have = parseOsloList(value)
      return parseOsloList(setting.value).every((item) => have.includes(item))
    }
    case 'plugin':
      return value === 'ml2' || value === ML2_PLUGIN_CLASS
    default:
      return value === setting.value
  }
}

/** The value to write over an unsatisfying one: lists keep the items already there. */
function mergedValue(setting: OpenStackSetting, existing: string): string {
  if (setting.type !== 'list' || setting.match !== 'contains') return setting.value
  const have = parseOsloList(existing)
  if (have.length === 0) return setting.value
  const missing = parseOsloList(setting.value).filter((i) => !have.includes(i))
  // A multi-line value is collapsed to one line; a one-line value keeps its own text and spacing.
  if (existing.includes('\n')) return [...have.filter((i) => i !== ''), ...missing].join(',')
  const sep = /,\s/.test(existing) ? ', ' : ','
  return existing.replace(/[\s,]+$/, '') + sep + missing.join(sep)
}

export function applySettings(doc: OsloIniDocument, settings: OpenStackSetting[]): {doc: OsloIniDocument; changes: OpenStackApplyChange[]} {
  const changes: OpenStackApplyChange[] = []
  for (const s of settings) {
    const current = getOsloValue(doc, s.section, s.key)
    if (current && settingSatisfied(s, current.value)) {
      changes.push({section: s.section, key: s.key, action: 'unchanged', before: current.value, after: current.value, line: current.line})
      continue
    }
    if (current) {
      const value = mergedValue(s, current.value)
      doc = replaceOsloValue(doc, current, value)
      changes.push({section: s.section, key: s.key, action: 'changed', before: current.value, after: value, line: current.line})
    } else {
      doc = insertOsloValue(doc, s.section, s.key, s.value, {comments: [`Calico (felixctl): ${s.reason}`]})
      changes.push({section: s.section, key: s.key, action: 'added', after: s.value, line: getOsloValue(doc, s.section, s.key)!.line})
    }
  }
  // Line numbers move as lines are inserted: report where each key ended up.
  for (const c of changes) c.line = getOsloValue(doc, c.section, c.key)!.line
  return {doc, changes}
}

/** `apply KIND --file PATH`, or `apply PATH` where the file's name says its kind (`/etc/nova/nova.conf`). */
export function applyTarget(arg: string, path: string | undefined): {file: OpenStackFileKind; path: string} {
  if (path !== undefined) return {file: resolveFileKind(arg), path}
  const byName = fileKindFromPath(arg)
  // A bare `nova.conf` stays the kind it always was: a path needs a slash (`./nova.conf`).
  if (byName && arg.includes('/')) return {file: byName, path: arg}
  if (arg.includes('/')) {
    throw new NotFoundError(`cannot tell which OpenStack file ${arg} is from its name`, {
      hint: `name the kind: felixctl openstack apply KIND --file ${arg} (KIND: ${FILE_KINDS.join(', ')})`,
      code: 'unknown-file-kind',
    })
  }
  const kind = resolveFileKind(arg)
  throw new UsageError(`which ${kind} should felixctl edit? name it with --file PATH, or give its path instead of the kind`, {
    hint: `felixctl openstack apply ${kind} --file ./${kind}, or felixctl openstack apply ${DEFAULT_PATHS[kind]}`,
    code: 'missing-file',
  })
}

export function openstackApply(options: OpenStackApplyOptions): OpenStackApplyResult {
  const {file, path} = applyTarget(options.file, options.path)
  const release = resolveOpenStackRelease(options.release)
  const req = requirementsFor(file, release, checkEtcdOptions(options.etcd ?? {}))
  let snapshot: FileSnapshot
  try {
    snapshot = readForEdit(path, {allowMissing: options.create, followSymlinks: options.followSymlinks})
  } catch (error) {
    if (error instanceof LocalIoError && error.code === 'file-enoent') {
      throw new LocalIoError(`cannot apply to ${path}: no such file`, {
        path: path,
        hint: `check the path, or pass --create to create ${path} with only Calico's settings`,
        code: 'file-enoent',
      })
    }
    throw error
  }
  let doc: OsloIniDocument
  let oldText: string
  try {
    oldText = decodeOsloText(snapshot.content)
    doc = parseOsloIni(oldText)
  } catch (error) {
    if (error instanceof OsloIniParseError) {
      const where = error.line > 0 ? `${path}:${error.line}` : path
      throw new CheckFailedError(`oslo.config cannot read ${where}: ${error.reason}${error.line > 0 ? ` (${JSON.stringify(error.lineText)})` : ''}; nothing was written`, {
        hint: 'the service would not start with this file either: fix it by hand first (`felixctl openstack check` shows every problem)',
        code: 'file-unparsable',
      })
    }
    throw error
  }
  const {doc: newDoc, changes} = applySettings(doc, req.settings)
  const notes = [...req.notes]
  const dir = confDirFor(path)
  const overrides = dir ? confDirFiles(dir) : []
  if (overrides.length) {
    notes.push(`${dir} holds ${overrides.length} file(s) that the service reads after ${path} and that may override it; apply edits only ${path}: run \`felixctl openstack check\` to see the result`)
  }
  const newText = serializeOsloIni(newDoc)
  const changed = newText !== oldText
  const diff = unifiedDiff(oldText, newText, snapshot.exists ? `${path}` : '/dev/null', `${path}`)
  const result: OpenStackApplyResult = {
    file, path: path, release: releaseSummary(release), created: !snapshot.exists && !options.dryRun, changed,
    written: false, dryRun: Boolean(options.dryRun), changes, notes, diff,
  }
  if (!changed || options.dryRun) {
    result.created = false
    return result
  }
  if (options.backup && snapshot.exists) {
    const backupPath = `${path}.bak`
    try {
      // copyFile keeps the mode; the backup holds the same secrets as the original.
      copyFileSync(snapshot.realPath, backupPath)
    } catch (error) {
      throw localIoErrorFrom(error, backupPath, 'write')
    }
    result.backupPath = backupPath
  }
  writeAtomic(snapshot, newText)
  result.written = true
  return result
}
