/**
 * Suggestions for a mistyped name (parameters, commands, release names).
 * Case-insensitive optimal-string-alignment distance (Damerau-Levenshtein with adjacent
 * transpositions), plus prefix and substring matches for partial names.
 */

/** Optimal string alignment distance between a and b. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1
  const cols = b.length + 1
  const d: number[][] = Array.from({length: rows}, (_, i) => Array.from({length: cols}, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
      }
    }
  }
  return d[a.length][b.length]
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
    const dist = editDistance(needle, hay)
    const limit = Math.min(4, Math.max(1, Math.floor(Math.max(needle.length, hay.length) / 3)))
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
  kept.sort((x, y) => x.rank - y.rank || x.dist - y.dist || x.name.localeCompare(y.name))
  return kept.slice(0, max).map((s) => s.name)
}
