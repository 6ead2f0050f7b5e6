/**
 * Suggestions for a mistyped name (parameters, commands, release names).
 * Case-insensitive optimal-string-alignment distance (Damerau-Levenshtein with adjacent
 * transpositions), plus prefix and substring matches for partial names.
 */

/** Optimal string alignment distance between a and b (three rolling rows: it runs cold, at start-up). */
export function editDistance(a: string, b: string): number {
  const n = a.length
  const m = b.length
  if (n === 0) return m
  if (m === 0) return n
  let prev2 = new Int32Array(m + 1)
  let prev = new Int32Array(m + 1)
  let cur = new Int32Array(m + 1)
  for (let j = 0; j <= m; j++) prev[j] = j
  for (let i = 1; i <= n; i++) {
    cur[0] = i
    const ai = a.charCodeAt(i - 1)
    for (let j = 1; j <= m; j++) {
      const bj = b.charCodeAt(j - 1)
      let v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ai === bj ? 0 : 1))
      if (i > 1 && j > 1 && ai === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === bj) v = Math.min(v, prev2[j - 2] + 1)
      cur[j] = v
    }
    const t = prev2
    prev2 = prev
    prev = cur
    cur = t
  }
  return prev[m]
}

/**
 * Up to `max` candidates close to `input`, best first; empty when nothing is close.
 * Close means: an edit distance of at most a third of the longer name (at least 1, at most 4)
 * and at most one more than the closest candidate's, or the input is a prefix (2 or more
 * characters) or substring (3 or more) of the candidate.
 */
export function didYouMean(input: string, candidates: readonly string[], max = 3): string[] {
  const needle = input.trim().toLowerCase()
  if (needle === '' || max <= 0) return []
  const scored: {name: string; rank: number; dist: number}[] = []
  for (const name of new Set(candidates)) {
    const hay = name.toLowerCase()
    const limit = Math.min(4, Math.max(1, Math.floor(Math.max(needle.length, hay.length) / 3)))
    // The distance is at least the difference in length: skip the table when that is already too far.
    const dist = Math.abs(needle.length - hay.length) > limit ? limit + 1 : editDistance(needle, hay)
    let rank: number
    if (dist === 0) rank = 0
    else if (dist <= limit) rank = 1
    else if (needle.length >= 2 && hay.startsWith(needle)) rank = 2
    else if (needle.length >= 3 && hay.includes(needle)) rank = 3
    else continue
    scored.push({name, rank, dist})
  }
  // Keep edit-distance matches near the best one: a typo one edit away should not drag in
  // names four edits away that merely share a long prefix.
  const best = Math.min(...scored.filter((s) => s.rank <= 1).map((s) => s.dist))
  const kept = scored.filter((s) => s.rank > 1 || s.dist <= best + 1)
  // Plain code-unit order for ties: localeCompare would initialise ICU (~20 ms at start-up).
  kept.sort((x, y) => x.rank - y.rank || x.dist - y.dist || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))
  return kept.slice(0, max).map((s) => s.name)
}
