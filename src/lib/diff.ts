/**
 * A small unified diff (Myers' O(ND) algorithm over lines), for `--dry-run` previews.
 * Not a library: none is installed, the edits we preview touch a handful of lines in
 * files of a few thousand, and ~80 lines of code are easier to trust than a new dependency.
 * Output matches `diff -u` hunks (3 lines of context), so `patch -p0` accepts it.
 */

type Op = {kind: ' ' | '-' | '+'; line: string}

/** Split text into lines keeping each line's end-of-line sequence (the last may have none). */
function splitKeep(text: string): string[] {
  return text.match(/[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$/g) ?? []
}

function myers(a: string[], b: string[]): Op[] {
  // Trim the common prefix and suffix first: edits are few, so this does most of the work.
  let start = 0
  while (start < a.length && start < b.length && a[start] === b[start]) start++
  let endA = a.length
  let endB = b.length
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--
    endB--
  }
  const A = a.slice(start, endA)
  const B = b.slice(start, endB)
  const n = A.length
  const m = B.length
  const max = n + m
  const v = new Int32Array(2 * max + 2)
  const trace: Int32Array[] = []
  outer: for (let d = 0; d <= max; d++) {
    trace.push(v.slice())
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[max + k - 1] < v[max + k + 1]) ? v[max + k + 1] : v[max + k - 1] + 1
      let y = x - k
      while (x < n && y < m && A[x] === B[y]) {
        x++
        y++
      }
      v[max + k] = x
      if (x >= n && y >= m) break outer
    }
  }
  // Backtrack through the saved frontiers.
  const ops: Op[] = []
  let x = n
  let y = m
  for (let d = trace.length - 1; d >= 0 && (x > 0 || y > 0); d--) {
    const vd = trace[d]
    const k = x - y
    const prevK = k === -d || (k !== d && vd[max + k - 1] < vd[max + k + 1]) ? k + 1 : k - 1
    const prevX = vd[max + prevK]
    const prevY = prevX - prevK
    while (x > prevX && y > prevY) {
      x--
      y--
      ops.push({kind: ' ', line: A[x]})
    }
    if (d > 0) {
      if (x === prevX) ops.push({kind: '+', line: B[--y]})
      else ops.push({kind: '-', line: A[--x]})
    }
  }
  ops.reverse()
  return [...a.slice(0, start).map((line): Op => ({kind: ' ', line})), ...ops, ...a.slice(endA).map((line): Op => ({kind: ' ', line}))]
}

/** A unified diff of two texts; '' when they are equal. */
export function unifiedDiff(oldText: string, newText: string, oldName: string, newName: string, context = 3): string {
  if (oldText === newText) return ''
  const ops = myers(splitKeep(oldText), splitKeep(newText))
  const out: string[] = [`--- ${oldName}\n`, `+++ ${newName}\n`]
  const changed = ops.map((o, i) => (o.kind !== ' ' ? i : -1)).filter((i) => i >= 0)
  let i = 0
  while (i < changed.length) {
    // Group changes whose context overlaps into one hunk.
    const lo = Math.max(0, changed[i] - context)
    let j = i
    while (j + 1 < changed.length && changed[j + 1] - changed[j] - 1 <= 2 * context) j++
    const hi = Math.min(ops.length - 1, changed[j] + context)
    let oldStart = 1
    let newStart = 1
    for (let p = 0; p < lo; p++) {
      if (ops[p].kind !== '+') oldStart++
      if (ops[p].kind !== '-') newStart++
    }
    const body: string[] = []
    let oldLen = 0
    let newLen = 0
    for (let p = lo; p <= hi; p++) {
      const o = ops[p]
      if (o.kind !== '+') oldLen++
      if (o.kind !== '-') newLen++
      const eolLess = !/(\r\n|\r|\n)$/.test(o.line)
      body.push(o.kind + o.line + (eolLess ? '\n\\ No newline at end of file\n' : ''))
    }
    // diff -u numbers an empty range by the line before it.
    const range = (start: number, len: number) => (len === 1 ? `${start}` : `${len === 0 ? start - 1 : start},${len}`)
    out.push(`@@ -${range(oldStart, oldLen)} +${range(newStart, newLen)} @@\n`, ...body)
    i = j + 1
  }
  return out.join('')
}

/**
 * The diff of a planned edit of the file at `path`, named `path` on both sides; a file
 * that does not exist yet (`created`) is diffed from /dev/null, as `diff -uN` names it.
 */
export function fileDiff(before: string, after: string, path: string, created = false): string {
  return unifiedDiff(before, after, created ? '/dev/null' : path, path)
}
