/**
 * The vocabulary of Felix parameters (docs/reference/felix-2.0-config.md §1–§2), as typed data.
 * A registry is a list of ParamDef for one Felix version.
 */

/** How a raw string parses (§2). Mirrors Felix's `config:"kind(args);default;flags"` tags. */
export type KindSpec =
  | {type: 'bool'}
  | {type: 'int'; min?: number; max?: number}
  | {type: 'float'}
  | {type: 'mark-bitmask'}
  | {type: 'oneof'; values: readonly string[]}
  | {type: 'hostname'}
  | {type: 'authority'}
  | {type: 'iface-list'}
  | {type: 'ipv4'}
  | {type: 'port-list'}
  | {type: 'endpoint-list'}
  | {type: 'file'; mustExist?: boolean; executable?: boolean}
  | {type: 'string'}

/**
 * A typed value as Felix ends up holding it.
 * - int: a JS number when it is a safe integer, otherwise its decimal string (JSON cannot carry it).
 * - float: a JS number (Infinity and NaN included; renderers write them as strings).
 * - port-list: number[]; endpoint-list: string[]; ipv4: string or null (nil); everything else string/bool.
 */
export type TypedValue = string | number | boolean | string[] | number[] | null

/**
 * A failure's `reason` is for people (Felix's text, then the Go detail in parentheses);
 * `felix`, when present, is exactly the text Felix logs, without felixctl's detail.
 */
export type ParseResult = {ok: true; value: TypedValue} | {ok: false; reason: string; felix?: string}

/** What the file kinds need to know about the host Felix runs on. Injected, so parsing stays testable. */
export interface FileProbe {
  /** True when something (file, directory, anything) exists at the path. */
  exists(path: string): boolean
  /** True when the path is an executable regular file (for the $PATH search). */
  isExecutable(path: string): boolean
  /** Directory of the felix binary: `<felix-dir>/<value>` is tried first for executables. */
  felixDir: string
  /** $PATH as Felix would see it. */
  pathEnv: string
}

export interface SeedPageNote {
  /** What the seed page says (its default or meaning), when it has a row for the parameter. */
  says?: string
  /** Where the page is wrong or silent, per the reference. */
  wrong?: string
}

export interface ParamDef {
  /** Canonical spelling (etcd keys are case-sensitive; §4's spelling quirk depends on it). */
  name: string
  kind: KindSpec
  /**
   * The default as Felix declares it, a raw string. Empty string means "no default":
   * the zero value of the kind (empty string, 0, false, nil, empty list).
   */
  default: string
  /** L: env and file only; an etcd value is ignored with a warning. */
  localOnly: boolean
  /** NZ: `none` is fatal. */
  nonZero: boolean
  /** D: a value that does not parse is fatal; otherwise it falls back to the default. */
  dieOnFail: boolean
  /** Whether Felix parses the default at load. DataplaneDriver's default is not validated. */
  defaultValidated: boolean
  /** Operator-facing documentation (seed page text, corrected where the code differs). */
  doc: string
  seedPage?: SeedPageNote
  /** Felix version that introduced the parameter (for registries keyed by version). */
  since?: string
}

export interface Registry {
  felixVersion: string
  params: readonly ParamDef[]
  /** Lookup by lower-cased name. */
  byLowerName: ReadonlyMap<string, ParamDef>
}
