/**
 * Every citation of the reference (docs/reference/*.md) in the code, the tests and the docs points
 * at a section that exists. The citation forms (docs/reference/README.md):
 *
 * - `docs/reference/<doc>.md §N` or `§N.M` (in docs/*.md also a link `[…](reference/<doc>.md#anchor)`);
 * - after that, in the same file, `<doc>.md §N` or a bare `§N`, which refers to the document named
 *   last before it. A bare `§` before any document is named, or a reference document named without
 *   `docs/reference/` before its full path appears in the file, is an error.
 */
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {join, relative} from 'node:path'
import {REPO_ROOT} from '../helpers/cli.js'

const REFERENCE_DIR = join(REPO_ROOT, 'docs', 'reference')
const DOCS = readdirSync(REFERENCE_DIR).filter((f) => f.endsWith('.md') && f !== 'README.md')

/** GitHub's heading anchor: lower case, punctuation other than `-` and `_` dropped, spaces to `-`. */
export function githubSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-')
}

interface RefDoc {
  sections: Set<string>
  anchors: Set<string>
}

function readRefDoc(name: string): RefDoc {
  const sections = new Set<string>()
  const anchors = new Set<string>()
  let inFence = false
  for (const line of readFileSync(join(REFERENCE_DIR, name), 'utf8').split('\n')) {
    if (line.startsWith('```')) inFence = !inFence
    const m = !inFence && /^#{1,6} (.*)$/.exec(line)
    if (!m) continue
    anchors.add(githubSlug(m[1]!))
    const num = /^(\d+(?:\.\d+)*)\.?\s/.exec(m[1]!)
    if (num) sections.add(num[1]!)
  }
  return {sections, anchors}
}

const REF: Record<string, RefDoc> = Object.fromEntries(DOCS.map((d) => [d, readRefDoc(d)]))

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue
    const p = join(dir, name)
    if (statSync(p).isDirectory()) walk(p, out)
    else if (/\.(ts|mjs|js|md)$/.test(name)) out.push(p)
  }
  return out
}

// This file and the reference's README hold examples of the forms, not citations.
const EXAMPLES = new Set(['test/unit/docs-reference.test.ts', 'docs/reference/README.md'])
const FILES = [...walk(join(REPO_ROOT, 'src')), ...walk(join(REPO_ROOT, 'test')), ...walk(join(REPO_ROOT, 'scripts')), ...walk(join(REPO_ROOT, 'docs')), join(REPO_ROOT, 'README.md')].filter(
  (p) => !EXAMPLES.has(relative(REPO_ROOT, p)),
)

const DOC_NAMES = DOCS.map((d) => d.replace(/[.]/g, '\\.')).join('|')
// A markdown link to a reference document (from docs/: `reference/x.md`, from elsewhere `docs/reference/x.md`).
const LINK = new RegExp(`\\[([^\\]]*)\\]\\(((?:\\.\\./)*(?:docs/)?reference/(${DOC_NAMES}))(#[^)\\s]*)?\\)`, 'g')
// In order of appearance: a full mention, a short mention, or a section sign.
const TOKEN = new RegExp(`((?:docs/)?reference/(${DOC_NAMES}))|(?<![\\w/.-])(${DOC_NAMES})|§\\s*(\\d+(?:\\.\\d+)*)?`, 'g')

export interface CitationProblem {
  file: string
  line: number
  problem: string
}

/** Check one file's citations; `self` is the reference document the file is, if it is one. */
export function checkCitations(file: string, text: string, self: string | null, ref: Record<string, RefDoc> = REF): CitationProblem[] {
  const problems: CitationProblem[] = []
  const lineOf = (index: number) => text.slice(0, index).split('\n').length
  const inDocsDir = /(^|\/)docs\/[^/]+\.md$/.test(file)
  // Links first: check the anchor, then put the target before the link text so that a `§` in
  // the text refers to it.
  const flat = text.replace(LINK, (whole, label: string, target: string, doc: string, anchor: string | undefined, offset: number) => {
    if (anchor && !ref[doc]!.anchors.has(anchor.slice(1))) problems.push({file, line: lineOf(offset), problem: `no heading with anchor ${anchor} in docs/reference/${doc}`})
    const full = target.startsWith('docs/') || target.startsWith('reference/') ? target : target.replace(/^(\.\.\/)+/, '')
    // Keep the text the same length so that line numbers stay right.
    return `${full} ${label}`.padEnd(whole.length, ' ')
  })
  let current: string | null = self
  const named = new Set<string>(self ? [self] : [])
  for (const m of flat.matchAll(TOKEN)) {
    const line = lineOf(m.index!)
    if (m[1]) {
      if (m[1].startsWith('reference/') && !inDocsDir && !self) problems.push({file, line, problem: `write docs/reference/${m[2]} (the path from the repository root)`})
      current = m[2]!
      named.add(current)
    } else if (m[3]) {
      // docs/openstack.md (the user's guide) is not the reference's openstack.md.
      const before = flat.slice(Math.max(0, m.index! - 5), m.index!)
      if (m[3] === 'openstack.md' && /docs\/$/.test(before)) continue
      if (!named.has(m[3])) problems.push({file, line, problem: `${m[3]} named before docs/reference/${m[3]} appears in this file`})
      current = m[3]
    } else {
      if (!m[4]) {
        problems.push({file, line, problem: '§ without a section number'})
        continue
      }
      if (current === null) problems.push({file, line, problem: `§${m[4]} before any reference document is named`})
      else if (!ref[current]!.sections.has(m[4])) problems.push({file, line, problem: `§${m[4]} does not exist in docs/reference/${current}`})
    }
  }
  return problems
}

describe('docs/reference: every cited section exists', () => {
  test('the four reference documents are in the repository, with numbered sections', () => {
    assert.deepEqual([...DOCS].sort(), ['contracts.md', 'felix-2.0-config.md', 'host-sysctl.md', 'openstack.md'])
    for (const d of DOCS) assert.ok(REF[d]!.sections.size >= 4, d)
  })

  test('every § and every reference link in src/, test/, scripts/, docs/ and README.md resolves', () => {
    const problems: CitationProblem[] = []
    let citations = 0
    for (const path of FILES) {
      const text = readFileSync(path, 'utf8')
      const rel = relative(REPO_ROOT, path)
      const name = rel.startsWith('docs/reference/') ? rel.slice('docs/reference/'.length) : null
      const self = name !== null && name in REF ? name : null
      citations += [...text.matchAll(/§/g)].length
      problems.push(...checkCitations(rel, text, self))
    }
    assert.deepEqual(problems.map((p) => `${p.file}:${p.line}: ${p.problem}`), [])
    assert.ok(citations > 100, `only ${citations} citations found: is the scan looking in the right place?`)
  })

  // The checker itself must be able to fail.
  const cases: [string, string, string, RegExp | null][] = [
    ['a full citation', 'src/x.ts', '// docs/reference/felix-2.0-config.md §4.5 and §5.6', null],
    ['a bare § after the full path', 'src/x.ts', '// docs/reference/host-sysctl.md\n// later §2.4', null],
    ['a missing section', 'src/x.ts', '// docs/reference/felix-2.0-config.md §4.9', /§4\.9 does not exist/],
    ['a bare § with no document named', 'src/x.ts', '// as Felix does (§4)', /before any reference document/],
    ['a short name before the full path', 'src/x.ts', '// contracts.md §2', /named before docs\/reference\/contracts\.md/],
    ['the user guide docs/openstack.md is not a citation', 'README.md', 'see `docs/openstack.md`', null],
    ['a § refers to the document named last', 'src/x.ts', '// docs/reference/contracts.md §7, docs/reference/host-sysctl.md §7', /§7 does not exist in docs\/reference\/host-sysctl\.md/],
    ['a link with a good anchor', 'docs/x.md', 'see [§5.4](reference/felix-2.0-config.md#54-connecting)', null],
    ['a link with a bad anchor', 'docs/x.md', 'see [§5.4](reference/felix-2.0-config.md#54-connect)', /no heading with anchor #54-connect/],
    ['a link text § refers to the link target', 'docs/x.md', '[§7](reference/contracts.md#7-timing-goals)', null],
  ]
  for (const [name, file, text, want] of cases) {
    test(`checker: ${name}`, () => {
      const problems = checkCitations(file, text, null).map((p) => p.problem)
      if (want === null) assert.deepEqual(problems, [])
      else assert.ok(problems.some((p) => want.test(p)), problems.join('\n') || '(no problem found)')
    })
  }
})
