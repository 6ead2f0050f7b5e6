/** Go 1.7 strconv: ParseUint, ParseInt, ParseFloat, as Felix 2.0.x calls them (docs/reference/felix-2.0-config.md §2). */
import {goToLower} from '../../lib/go-lower.js'
import {goQuote} from './quote.js'

// ---------------------------------------------------------------------------
// strconv (Go 1.7)

type UintResult = {ok: true; value: bigint} | {ok: false; err: 'invalid syntax' | 'value out of range'}

/**
 * Go 1.7 strconv.ParseUint(s, base, bitSize) for base 0 or 10 (the two Felix uses).
 * Base 0: `0x`/`0X` hex, leading `0` octal, otherwise decimal; no `0b`, `0o` or `_` (Go 1.13+).
 * An overflow stops the scan at once, so `99999999999999999999x` is a range error, as in Go.
 */
export function goParseUint(s: string, base: 0 | 10, bitSize: number): UintResult {
  if (s.length === 0) return {ok: false, err: 'invalid syntax'}
  let b: number = base
  if (base === 0) {
    if (s[0] === '0' && s.length > 1 && (s[1] === 'x' || s[1] === 'X')) {
      if (s.length < 3) return {ok: false, err: 'invalid syntax'}
      b = 16
      s = s.slice(2)
    } else if (s[0] === '0') {
      b = 8
      s = s.slice(1)
    } else {
      b = 10
    }
  }
  const big = BigInt(b)
  const maxVal = (1n << BigInt(bitSize)) - 1n
  let n = 0n
  for (const d of s) {
    let v: number
    if (d >= '0' && d <= '9') v = d.charCodeAt(0) - 48
    else if (d >= 'a' && d <= 'z') v = d.charCodeAt(0) - 97 + 10
    else if (d >= 'A' && d <= 'Z') v = d.charCodeAt(0) - 65 + 10
    else return {ok: false, err: 'invalid syntax'}
    if (v >= b) return {ok: false, err: 'invalid syntax'}
    n = n * big + BigInt(v)
    if (n > maxVal) return {ok: false, err: 'value out of range'}
  }
  return {ok: true, value: n}
}

/** Go 1.7 strconv.ParseInt(s, base, 64): optional sign, then ParseUint. */
export function goParseInt(s: string, base: 0 | 10, fn: string): {ok: true; value: bigint} | {ok: false; goError: string} {
  const s0 = s
  const err = (e: string) => ({ok: false as const, goError: `strconv.${fn}: parsing ${goQuote(s0)}: ${e}`})
  if (s.length === 0) return err('invalid syntax')
  let neg = false
  if (s[0] === '+') s = s.slice(1)
  else if (s[0] === '-') {
    neg = true
    s = s.slice(1)
  }
  const un = goParseUint(s, base, 64)
  if (!un.ok && un.err === 'invalid syntax') return err(un.err)
  const cutoff = 1n << 63n
  if (!un.ok) return err('value out of range')
  if (!neg && un.value >= cutoff) return err('value out of range')
  if (neg && un.value > cutoff) return err('value out of range')
  return {ok: true, value: neg ? -un.value : un.value}
}

const FLOAT_SYNTAX = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

/**
 * Go 1.7 strconv.ParseFloat(s, 64). Specials: `inf`, `infinity` with an optional sign and `nan`
 * without one (Go 1.7's special() only takes a sign before inf), any case. No hex floats, no `_`.
 * Overflow (1e400) is ErrRange; underflow (1e-400) is 0 without error, as in Go.
 */
export function goParseFloat(s: string): {ok: true; value: number} | {ok: false; goError: string} {
  const err = (e: string) => ({ok: false as const, goError: `strconv.ParseFloat: parsing ${goQuote(s)}: ${e}`})
  const lower = goToLower(s)
  if (lower === 'nan') return {ok: true, value: Number.NaN}
  const unsigned = lower[0] === '+' || lower[0] === '-' ? lower.slice(1) : lower
  if (unsigned === 'inf' || unsigned === 'infinity') {
    return {ok: true, value: lower[0] === '-' ? -Infinity : Infinity}
  }
  if (!FLOAT_SYNTAX.test(s)) return err('invalid syntax')
  const value = Number(s)
  if (!Number.isFinite(value)) return err('value out of range')
  return {ok: true, value}
}
