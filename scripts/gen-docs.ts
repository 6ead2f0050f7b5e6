#!/usr/bin/env node
/**
 * Generates docs/parameters.md (from the parameter registries in src/params) and
 * docs/commands.md (from the oclif command classes in src/commands and the topics in
 * package.json). Data-driven: a new parameter, version, command, flag or example shows up
 * on the next run without touching this file.
 *
 *   node --import tsx scripts/gen-docs.ts           write the files
 *   node --import tsx scripts/gen-docs.ts --check   exit 1 when a committed file is stale
 *
 * The command classes are read from source (not from oclif.manifest.json, which is a build
 * artifact) so the staleness test in test/unit runs without a build; the fields read are the
 * ones oclif copies into the manifest.
 */
import {readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join, relative, sep} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {describeKind, envVarName, getRegistry, globalKey, hostKey, kindLabel, SUPPORTED_FELIX_VERSIONS, type ParamDef, type Registry} from '../src/params/index.js'

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url))
export const GENERATED_FILES = ['docs/parameters.md', 'docs/commands.md'] as const
const BIN = 'felixctl'

// ---------------------------------------------------------------------------------------------
// Command metadata (the manifest's shape, reduced to what the reference shows)

export interface FlagMeta {
  name: string
  char?: string
  summary?: string
  description?: string
  type: 'boolean' | 'option'
  default?: unknown
  options?: readonly string[]
  multiple?: boolean
  required?: boolean
  env?: string
  helpValue?: string
  allowNo?: boolean
  exclusive?: readonly string[]
  dependsOn?: readonly string[]
  hidden?: boolean
}

export interface ArgMeta {
  name: string
  description?: string
  required?: boolean
  default?: unknown
  options?: readonly string[]
}

export interface ExampleMeta {
  command: string
  description?: string
}

export interface CommandMeta {
  /** Space-separated command id, e.g. `config get`. */
  id: string
  summary?: string
  description?: string
  hidden?: boolean
  examples: ExampleMeta[]
  flags: FlagMeta[]
  args: ArgMeta[]
}

type Loose = Record<string, unknown>

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined
}

function strList(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.map(String) : undefined
}

/** Normalises one flag definition, from a command class (Flags.*) or from the manifest. */
export function flagMeta(name: string, raw: Loose): FlagMeta {
  let def: unknown = raw.default
  // A default computed at run time is not documentation; oclif's manifest leaves it out too unless cached.
  if (typeof def === 'function') def = undefined
  return {
    name,
    char: str(raw.char),
    summary: str(raw.summary),
    description: str(raw.description),
    type: raw.type === 'boolean' ? 'boolean' : 'option',
    default: def,
    options: strList(raw.options),
    multiple: raw.multiple === true,
    required: raw.required === true,
    env: str(raw.env),
    helpValue: str(raw.helpValue),
    allowNo: raw.allowNo === true,
    exclusive: strList(raw.exclusive),
    dependsOn: strList(raw.dependsOn),
    hidden: raw.hidden === true,
  }
}

export function exampleMeta(raw: unknown): ExampleMeta {
  if (typeof raw === 'string') return {command: raw}
  const o = raw as Loose
  return {command: String(o.command ?? ''), description: str(o.description)}
}

/** Normalises a command, given its id and either its class or its manifest entry. */
export function commandMeta(id: string, raw: Loose): CommandMeta {
  const flagsObj = {...((raw.baseFlags as Loose | undefined) ?? {}), ...((raw.flags as Loose | undefined) ?? {})}
  const argsObj = (raw.args as Loose | undefined) ?? {}
  const examples = raw.examples === undefined ? [] : Array.isArray(raw.examples) ? raw.examples : [raw.examples]
  return {
    id,
    summary: str(raw.summary),
    description: str(raw.description),
    hidden: raw.hidden === true,
    examples: examples.map(exampleMeta),
    flags: Object.entries(flagsObj).map(([name, f]) => flagMeta(name, f as Loose)),
    args: Object.entries(argsObj).map(([name, a]) => {
      const o = a as Loose
      return {name, description: str(o.description), required: o.required === true, default: typeof o.default === 'function' ? undefined : o.default, options: strList(o.options)}
    }),
  }
}

function walkTs(dir: string, out: string[] = []): string[] {
  let names: string[]
  try {
    names = readdirSync(dir).sort()
  } catch {
    return out
  }
  for (const n of names) {
    const p = join(dir, n)
    if (statSync(p).isDirectory()) walkTs(p, out)
    else if (n.endsWith('.ts') && !n.endsWith('.d.ts')) out.push(p)
  }
  return out
}

/** Every command under src/commands, by importing its class (needs tsx). Sorted by id. */
export async function loadCommandsFromSource(root: string = REPO_ROOT): Promise<CommandMeta[]> {
  const dir = join(root, 'src', 'commands')
  const commands: CommandMeta[] = []
  for (const file of walkTs(dir)) {
    const rel = relative(dir, file).replace(/\.ts$/, '')
    const parts = rel.split(sep)
    if (parts[parts.length - 1] === 'index') parts.pop()
    const mod = (await import(pathToFileURL(file).href)) as {default?: Loose}
    const cls = mod.default
    if (!cls || typeof cls !== 'function') continue
    commands.push(commandMeta(parts.join(' '), cls as unknown as Loose))
  }
  return commands.sort((a, b) => a.id.localeCompare(b.id))
}

/** Commands from an oclif.manifest.json document (ids use `:`). Sorted by id. */
export function commandsFromManifest(manifest: {commands: Record<string, Loose>}): CommandMeta[] {
  return Object.entries(manifest.commands)
    .map(([id, c]) => commandMeta(id.split(':').join(' '), c))
    .sort((a, b) => a.id.localeCompare(b.id))
}

/** Topic descriptions from package.json's oclif.topics. */
export function loadTopics(root: string = REPO_ROOT): Record<string, string> {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {oclif?: {topics?: Record<string, {description?: string}>}}
  const topics: Record<string, string> = {}
  for (const [name, t] of Object.entries(pkg.oclif?.topics ?? {})) topics[name] = t.description ?? ''
  return topics
}

/** Renders oclif's example templates the way `felixctl --help` shows them. */
export function renderTemplate(text: string, id: string): string {
  return text.replace(/<%[=-]?\s*config\.bin\s*%>/g, BIN).replace(/<%[=-]?\s*command\.id\s*%>/g, id)
}

// ---------------------------------------------------------------------------------------------
// Markdown helpers

/** A table cell: no line breaks, pipes escaped (GFM needs `\|` even inside code spans). */
function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/(?<!\\)\|/g, '\\|')
}

/** Inline code that survives any backticks in the text. */
function code(text: string): string {
  const ticks = text.match(/`+/g)
  const fence = '`'.repeat(Math.max(0, ...(ticks ?? []).map((t) => t.length)) + 1)
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : ''
  return `${fence}${pad}${text}${pad}${fence}`
}

/** Registry prose in a paragraph: `<host>` must not read as an HTML tag. */
function prose(text: string): string {
  return text.replace(/</g, '\\<')
}

function table(header: string[], rows: string[][]): string {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`]
  for (const r of rows) lines.push(`| ${r.map((c) => (c === '' ? ' ' : cell(c))).join(' | ')} |`)
  return lines.join('\n') + '\n'
}

function anchor(heading: string): string {
  // GitHub's slug: lower-case, drop punctuation except - and space, spaces to -.
  return heading
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-')
}

// ---------------------------------------------------------------------------------------------
// docs/commands.md

function flagValueWord(f: FlagMeta): string {
  if (f.type === 'boolean') return ''
  if (f.helpValue) return f.helpValue
  if (f.options && f.options.length > 0) return f.options.join('|')
  return f.name.toUpperCase().replace(/-/g, '_')
}

function flagUsage(f: FlagMeta): string {
  const name = f.char ? `-${f.char}` : `--${f.type === 'boolean' && f.allowNo ? '[no-]' : ''}${f.name}`
  const value = flagValueWord(f)
  const text = value ? `${name} ${value}` : name
  return f.required ? text : `[${text}]`
}

export function usageLine(c: CommandMeta): string {
  const args = c.args.map((a) => (a.required ? a.name.toUpperCase() : `[${a.name.toUpperCase()}]`))
  const flags = c.flags.filter((f) => !f.hidden).map(flagUsage)
  return [BIN, c.id, ...args, ...flags].join(' ')
}

function defaultText(v: unknown): string {
  if (v === undefined || v === null || v === false || v === '') return ''
  if (Array.isArray(v)) return v.length === 0 ? '' : code(v.join(','))
  return code(String(v))
}

function renderCommand(c: CommandMeta, lines: string[]): void {
  lines.push(`### \`${BIN} ${c.id}\``, '')
  if (c.summary) lines.push(renderTemplate(c.summary, c.id), '')
  if (c.description) {
    for (const para of renderTemplate(c.description, c.id).split(/\n/)) if (para.trim() !== '') lines.push(para, '')
  }
  lines.push('Usage:', '', '```', usageLine(c), '```', '')
  if (c.args.length > 0) {
    lines.push('Arguments:', '')
    lines.push(
      table(
        ['Argument', 'Required', 'Description'],
        c.args.map((a) => [code(a.name.toUpperCase()), a.required ? 'yes' : 'no', cell([a.description ?? '', a.options ? `One of ${a.options.map(code).join(', ')}.` : '', a.default !== undefined ? `Default ${defaultText(a.default)}.` : ''].filter(Boolean).join(' '))]),
      ),
    )
  }
  const flags = c.flags.filter((f) => !f.hidden)
  if (flags.length > 0) {
    lines.push('Flags:', '')
    lines.push(
      table(
        ['Flag', 'Description', 'Default', 'Environment'],
        flags.map((f) => {
          const names = [f.char ? `-${f.char}` : '', `--${f.type === 'boolean' && f.allowNo ? '[no-]' : ''}${f.name}`].filter(Boolean).join(', ')
          const value = flagValueWord(f)
          const desc = [
            f.summary ?? '',
            f.description && f.description !== f.summary ? f.description : '',
            f.options && f.options.length > 0 && !f.options.every((o) => (f.summary ?? '').includes(o)) ? `One of ${f.options.map(code).join(', ')}.` : '',
            f.multiple ? 'May be given more than once.' : '',
            f.required ? 'Required.' : '',
            f.exclusive && f.exclusive.length > 0 ? `Cannot be used with ${f.exclusive.map((x) => code('--' + x)).join(', ')}.` : '',
            f.dependsOn && f.dependsOn.length > 0 ? `Needs ${f.dependsOn.map((x) => code('--' + x)).join(', ')}.` : '',
          ].filter(Boolean)
          return [code(value ? `${names} ${value}` : names), cell(desc.join(' ')), defaultText(f.default), f.env ? code(f.env) : '']
        }),
      ),
    )
  }
  if (c.examples.length > 0) {
    lines.push('Examples:', '', '```sh')
    c.examples.forEach((e, i) => {
      if (i > 0) lines.push('')
      if (e.description) for (const d of renderTemplate(e.description, c.id).split('\n')) lines.push(`# ${d}`)
      for (const cmd of renderTemplate(e.command, c.id).split('\n')) lines.push(cmd.replace(/^\$ /, ''))
    })
    lines.push('```', '')
  }
}

export function renderCommandsDoc(commands: readonly CommandMeta[], topics: Record<string, string>): string {
  const visible = commands.filter((c) => !c.hidden)
  const lines: string[] = [
    '# Command reference',
    '',
    '<!-- Generated by scripts/gen-docs.ts from src/commands and package.json: do not edit; run `npm run docs`. -->',
    '',
    `Every ${BIN} command with its flags and examples, as \`${BIN} <command> --help\` shows them. ` +
      'Exit codes are in [exit-codes.md](exit-codes.md), JSON shapes in [json-output.md](json-output.md). ' +
      `The examples run as written from the repository root (with \`${BIN}\` standing for \`./bin/run.js\`); a test runs every one.`,
    '',
  ]
  const topicNames = [...new Set([...Object.keys(topics), ...visible.map((c) => c.id.split(' ')[0])])].sort()
  lines.push('Contents:', '')
  for (const t of topicNames) {
    const inTopic = visible.filter((c) => c.id.split(' ')[0] === t)
    if (inTopic.length === 0) continue
    lines.push(`- [${t}](#${anchor(t)}): ${inTopic.map((c) => `[${c.id}](#${anchor(`${BIN} ${c.id}`)})`).join(', ')}`)
  }
  lines.push('')
  for (const t of topicNames) {
    const inTopic = visible.filter((c) => c.id.split(' ')[0] === t)
    if (inTopic.length === 0) continue
    lines.push(`## ${t}`, '')
    if (topics[t]) lines.push(topics[t], '')
    for (const c of inTopic) renderCommand(c, lines)
  }
  return lines.join('\n').replace(/\n{3,}/g, '\n\n').replace(/\n*$/, '\n')
}

// ---------------------------------------------------------------------------------------------
// docs/parameters.md

function flagWords(p: ParamDef): string[] {
  const words: string[] = []
  if (p.localOnly) words.push('**local-only**: env and config file only; a value in etcd is ignored with a warning')
  if (p.nonZero) words.push('**non-zero**: `none` is fatal ("Non-zero field cannot be set to none"); the literal `0` is accepted')
  if (p.dieOnFail) words.push('**die-on-fail**: a value that does not parse stops Felix, even in a layer that a higher one overrides')
  else words.push('falls back if invalid: a value that does not parse is replaced by the default, and its layer still hides lower layers')
  return words
}

function flagLetters(p: ParamDef): string {
  return [p.localOnly ? 'L' : '', p.nonZero ? 'NZ' : '', p.dieOnFail ? 'D' : ''].filter(Boolean).join(' ')
}

function defaultWords(p: ParamDef): string {
  if (p.default === '') {
    const zero: Record<string, string> = {
      bool: 'false',
      int: '0',
      float: '0',
      'mark-bitmask': '0',
      ipv4: 'nil (no address)',
      'port-list': 'an empty list',
      'endpoint-list': 'an empty list',
    }
    return `empty (the zero value: ${zero[p.kind.type] ?? 'the empty string'})`
  }
  return p.defaultValidated ? code(p.default) : `${code(p.default)} (not validated: Felix only checks a value a layer sets)`
}

function sinceOf(p: ParamDef): string {
  return p.since ?? SUPPORTED_FELIX_VERSIONS[0]
}

function seedPageSummary(p: ParamDef): string {
  if (!p.seedPage) return 'no note'
  if (p.seedPage.wrong && !p.seedPage.says) return 'no row'
  if (p.seedPage.wrong) return 'wrong'
  return 'agrees'
}

/** How the registries of the supported versions differ, computed (parameters added or removed, definitions changed). */
export function versionDifferences(): string[] {
  const notes: string[] = []
  const registries = SUPPORTED_FELIX_VERSIONS.map((v) => getRegistry(v))
  for (let i = 1; i < registries.length; i++) {
    const prev = registries[i - 1]
    const cur = registries[i]
    const prevNames = new Map(prev.params.map((p) => [p.name, p]))
    const curNames = new Map(cur.params.map((p) => [p.name, p]))
    const added = cur.params.filter((p) => !prevNames.has(p.name)).map((p) => p.name)
    const removed = prev.params.filter((p) => !curNames.has(p.name)).map((p) => p.name)
    const changed = cur.params.filter((p) => prevNames.has(p.name) && JSON.stringify(prevNames.get(p.name)) !== JSON.stringify(p)).map((p) => p.name)
    const parts: string[] = []
    if (added.length > 0) parts.push(`adds ${added.map(code).join(', ')}`)
    if (removed.length > 0) parts.push(`removes ${removed.map(code).join(', ')}`)
    if (changed.length > 0) parts.push(`changes ${changed.map(code).join(', ')}`)
    notes.push(`- Felix ${cur.felixVersion} (${cur.params.length} parameters) ${parts.length > 0 ? parts.join('; ') + ` relative to ${prev.felixVersion}` : `is the same as ${prev.felixVersion}`}.`)
  }
  return notes
}

const LAYERS_SECTION = `## How Felix 2.0.x reads a parameter

Priority, highest first: **environment**, **config file**, **per-host etcd**, **global etcd**, **default**.

| Layer | Where | Key spelling |
|---|---|---|
| environment | every variable whose lower-cased name starts with \`felix_\` | the rest of the name, lower-cased (\`FELIX_LogSeverityFile\` and \`felix_logseverityfile\` both work); values are not trimmed; when two variables collide after lower-casing, the later one in the environment wins |
| config file | \`/etc/calico/felix.cfg\`, or \`-c/--config-file\` (a missing file is no file, not an error) | key names keep their case; every section is flattened into one map (go-ini v1.24 rules, below) |
| per-host etcd | \`/calico/v1/host/<FelixHostname>/config/<Name>\` | as written in the key (case-sensitive) |
| global etcd | \`/calico/v1/config/<Name>\` | as written in the key (case-sensitive) |
| default | the registry above | |

Felix 2.0 reads etcd through the v2 API (DatastoreType \`etcdv2\`); with \`kubernetes\` the two etcd layers do not exist.
FelixHostname, used for the per-host directory, is the value resolved from env and file (and the kernel hostname by default).

### The merge, and its quirks

For each layer, highest first, for each raw key in it:

1. An unknown name (matched case-insensitively) is kept as a raw value and reported ("Ignoring unknown config param"), never an error.
2. A local-only parameter from an etcd layer is ignored with a warning.
3. \`none\` (any case) means the zero value; on a non-zero (NZ) parameter it is fatal.
4. The value is parsed. On failure a die-on-fail (D) parameter is fatal; any other falls back to its default, and **the layer still counts as having set it**: its invalid raw value hides valid lower layers.
5. If a higher layer already set the parameter, the value is skipped. Parsing happens *before* this check, so a D parameter that fails in a *shadowed* layer is still fatal.

- **Spelling**: the precedence check looks the parameter up by the key as spelt in that layer, while the winner is recorded under the canonical name. A key in the file or in etcd spelt other than canonically (\`logseverityscreen\`) therefore overrides every higher layer. Env keys are always lower-case, so a canonically spelt lower layer behaves normally.
- **Two spellings in one layer**: the result depends on Go's random map order; felixctl reports it as ambiguous. Likewise which of several fatal values in one layer Felix reports.
- **Empty strings** are parsed like any other value (2.0.x does not skip them): they fail for most kinds.
- **Invalid FelixHostname** resolves to \`""\` (its default): Felix then lists the whole \`/calico/v1/host\` tree without filtering, merges every host's keys, and stops with "Failed to determine hostname".

### The config file (go-ini v1.24)

- \`[DEFAULT]\` and keys before any header are flattened first, wherever they appear; other sections follow in order of first appearance; a reopened section merges into its first occurrence.
- Within a section the last duplicate wins silently; across sections the later wins with the warning "Multiple values defined for key".
- \`=\` and \`:\` are delimiters; \`#\` and \`;\` start a comment anywhere in a value, even inside double quotes; backticks protect a value; a trailing \`\\\` continues a line; \`"""\` opens a multi-line value; \`%(x)s\` is not expanded.
- After the comment is cut and the value trimmed, a value longer than 2 characters that starts and ends with the same quote and has that quote nowhere else loses the pair.
- A key named \`-\` becomes \`#1\`, \`#2\`, … (an unknown name). A UTF-8 or UTF-16 byte-order mark is skipped.
- The whole file fails to load (fatal, stage \`file-load\`) on an unclosed \`[\`, \`[]\`, a line without a delimiter, an empty key name, an unclosed \`"""\` or backtick at the end, or an unclosed quoted key.

### Start-up order, and what "fatal" means

1. Defaults; FelixHostname = the kernel hostname.
2. Read env and file (a file that fails to load is fatal).
3. Merge env, then file; a fatal error stops there.
4. Connect to the datastore with what env and file give: DatastoreType; for etcdv2, EtcdEndpoints, or \`EtcdScheme://EtcdAddr\` when EtcdEndpoints is empty; EtcdKeyFile, EtcdCertFile and EtcdCaFile for TLS.
5. Merge global, then per-host, with no error check between the two.
6. Cross checks, run even after a datastore-stage failure; the last one that fails wins: empty FelixHostname ("Failed to determine hostname"); etcdv2 with no EtcdEndpoints and an empty EtcdScheme or EtcdAddr.

"Fatal" in 2.0.x means Felix logs the error, waits a second and retries the whole load forever: it never gets past configuration. A change in the global directory or in Felix's own host directory restarts Felix when it changes its raw configuration map, and stops it when the new configuration no longer resolves ([felix-restarts.md](felix-restarts.md)).
`

function renderParam(p: ParamDef, lines: string[]): void {
  lines.push(`### ${p.name}`, '')
  const rows: string[][] = [
    ['Kind', `${code(kindLabel(p.kind))}: ${cell(describeKind(p.kind))}`],
    ['Default', cell(defaultWords(p))],
    ['Flags', cell(flagWords(p).join('; '))],
    ['Since', `Felix ${sinceOf(p)}`],
    ['Environment variable', `${code(envVarName(p.name))} (any case)`],
    ['Config file key', `${code(p.name)} in any section of felix.cfg`],
    ['Global etcd key', p.localOnly ? `none: local-only (${code(globalKey(p.name))} is ignored with a warning)` : code(globalKey(p.name))],
    ['Per-host etcd key', p.localOnly ? `none: local-only (${code(hostKey('<host>', p.name))} is ignored with a warning)` : code(hostKey('<host>', p.name))],
  ]
  lines.push(table(['Field', 'Value'], rows))
  lines.push(prose(p.doc), '')
  if (p.seedPage?.says) lines.push(`The seed page says: ${prose(p.seedPage.says)}`, '')
  if (p.seedPage?.wrong) lines.push(`Where the seed page is wrong: ${prose(p.seedPage.wrong)}`, '')
}

export function renderParametersDoc(): string {
  const latest: Registry = getRegistry(SUPPORTED_FELIX_VERSIONS[SUPPORTED_FELIX_VERSIONS.length - 1])
  const first: Registry = getRegistry(SUPPORTED_FELIX_VERSIONS[0])
  const missingInFirst = latest.params.filter((p) => !first.byLowerName.has(p.name.toLowerCase()))
  const lines: string[] = [
    '# Felix parameters',
    '',
    '<!-- Generated by scripts/gen-docs.ts from src/params: do not edit; run `npm run docs`. -->',
    '',
    `Every parameter of Felix ${SUPPORTED_FELIX_VERSIONS.join(', ')}, as felixctl's registry declares it (read from Felix's code, ` +
      'not from the Calico v2.0 page "Configuring Calico", called the seed page here; where that page is wrong, each parameter says so). ' +
      `\`${BIN} config explain NAME\` prints the same for one parameter.`,
    '',
    '## Versions',
    '',
    `The table is for Felix ${latest.felixVersion} (${latest.params.length} parameters); the "Since" column gives the first version that has a parameter.`,
    '',
    ...versionDifferences(),
    '',
  ]
  if (missingInFirst.length > 0) {
    lines.push(
      `In Felix ${first.felixVersion}, ${missingInFirst.map((p) => code(p.name)).join(' and ')} ${missingInFirst.length === 1 ? 'is an unknown name' : 'are unknown names'}: ` +
        'a value for them is kept as a raw value and reported ("Ignoring unknown config param"). Choose the rules with `--felix-version`.',
      '',
    )
  }
  lines.push(
    '## Summary',
    '',
    'Flags: **L** local-only (env and file only), **NZ** non-zero (`none` is fatal), **D** die-on-fail (an invalid value is fatal; without D it falls back to the default).',
    '',
    table(
      ['Parameter', 'Kind', 'Default', 'Flags', 'Since', 'Seed page'],
      latest.params.map((p) => [`[${p.name}](#${anchor(p.name)})`, code(kindLabel(p.kind)), p.default === '' ? 'empty' : code(p.default), flagLetters(p), sinceOf(p), seedPageSummary(p)]),
    ),
    LAYERS_SECTION,
    '## Parameters',
    '',
  )
  for (const p of latest.params) renderParam(p, lines)
  return lines.join('\n').replace(/\n{3,}/g, '\n\n').replace(/\n*$/, '\n')
}

// ---------------------------------------------------------------------------------------------

/** Every generated file, by path relative to the repository root. */
export async function generateDocs(root: string = REPO_ROOT): Promise<Map<string, string>> {
  const commands = await loadCommandsFromSource(root)
  return new Map<string, string>([
    ['docs/parameters.md', renderParametersDoc()],
    ['docs/commands.md', renderCommandsDoc(commands, loadTopics(root))],
  ])
}

async function main(argv: string[]): Promise<number> {
  const check = argv.includes('--check')
  const docs = await generateDocs()
  const stale: string[] = []
  for (const [path, text] of docs) {
    const full = join(REPO_ROOT, path)
    let current: string | undefined
    try {
      current = readFileSync(full, 'utf8')
    } catch {
      current = undefined
    }
    if (current === text) continue
    if (check) stale.push(path)
    else {
      writeFileSync(full, text)
      process.stdout.write(`wrote ${path}\n`)
    }
  }
  if (stale.length > 0) {
    process.stderr.write(`stale: ${stale.join(', ')}; run npm run docs\n`)
    return 1
  }
  return 0
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2))
}
