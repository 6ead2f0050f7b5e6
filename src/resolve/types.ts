/** The resolver's result: what Felix ends up with, and why (docs/json-output.md). */
import {LayerName, Origin, SourceName} from '../layers/types.js'
import {TypedValue} from '../params/types.js'

export type FatalStage = 'file-load' | 'env' | 'file' | 'datastore' | 'validate'

export interface Fatal {
  stage: FatalStage
  param: string | null
  layer: LayerName | null
  message: string
}

export type EntryStatus = 'effective' | 'shadowed' | 'invalid-default' | 'ignored' | 'fatal'

export interface LayerStatus {
  layer: LayerName
  /** The key as spelt in the layer (env: lower-cased after `felix_`). */
  key: string
  raw: string
  status: EntryStatus
  message: string | null
  origin: Origin
}

export interface ParamResolution {
  name: string
  /** The typed value Felix ends up using. */
  value: TypedValue
  /** The raw string from the winning layer; for a default, the default's string. */
  raw: string
  source: SourceName
  origin: Origin
  /** True when one layer holds this parameter under two spellings and Go's map order decides. */
  ambiguous: boolean
  layers: LayerStatus[]
}

export interface UnknownEntry {
  name: string
  raw: string
  source: LayerName
  origin: Origin
}

export interface Diagnostic {
  severity: 'error' | 'warning' | 'info'
  code: string
  param: string | null
  layer: LayerName | null
  origin: Origin | null
  message: string
  hint: string | null
}

export interface DatastoreSettings {
  type: string
  endpoints: string[]
  keyFile: string
  certFile: string
  caFile: string
}

export interface Resolution {
  felixVersion: string
  /** The FelixHostname whose per-host keys apply (after env and file). */
  host: string
  datastore: DatastoreSettings
  fatal: Fatal | null
  params: ParamResolution[]
  unknown: UnknownEntry[]
  diagnostics: Diagnostic[]
}
