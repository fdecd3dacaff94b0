// A tenant's schema patterns on RE2 (re2js, linear time), each validation held to a matching budget.
import type { RegExpEngine, RegExpLike } from 'ajv/dist/types/index.js'
import { RE2JS } from 're2js'

/**
 * What one validation may spend on pattern matching, in steps: (characters + 1) × RE2 program size per
 * match. RE2 is linear in each, so this bounds the time whatever the schema and input: the worst step
 * measured costs about 85 ns of CPU (a DFA rebuilt at every character), so 65,536 steps stay near 5 ms.
 */
export const MATCH_BUDGET = 65_536
/** Largest RE2 program of one pattern: it can still check values of 63 characters within the budget. */
export const PATTERN_MAX_SIZE = 1_024
/** Largest RE2 program of all a schema's patterns together, which bounds its compile time. */
export const PATTERNS_MAX_SIZE = 8_192

export const BUDGET_EXCEEDED = `needs more pattern matching than one request may use: the claims schema's patterns may cost at most ${MATCH_BUDGET} steps, (characters + 1) × pattern size, per request`

interface TenantPattern {
  /** Instructions of the RE2 program: the cost of one character. */
  size: number
  regexp: RE2JS
  /** What Ajv calls. */
  rx: RegExpLike & { toString: () => string }
}

/**
 * The patterns of one claims schema. Ajv gets `regExp` as its `code.regExp` engine; every match goes
 * through the budget, which `begin()` resets before each validation. Validation is synchronous, so one
 * counter per compiled schema is enough.
 */
export class TenantPatterns {
  private readonly compiled = new Map<string, TenantPattern>()
  private spent = 0
  private over = false
  /** Instructions of all the patterns compiled so far. */
  size = 0

  readonly regExp: RegExpEngine = Object.assign((source: string, flags: string): RegExpLike => {
    if (flags !== 'u') throw new Error(`tenant patterns run in unicode mode only, not with flags "${flags}"`)
    const reason = this.check(source)
    if (reason !== undefined) throw new Error(`pattern ${JSON.stringify(source)} ${reason}`)
    return (this.compiled.get(source) as TenantPattern).rx
  }, { code: 'tenantPatterns.regExp' })

  /** Compiles a pattern (once per source); returns why it is refused, or nothing. */
  check (source: string): string | undefined {
    if (this.compiled.has(source)) return undefined
    try {
      new RegExp(source, 'u') // eslint-disable-line no-new -- JSON Schema's syntax is ECMA-262's: only checked, never run
    } catch {
      return 'is not a valid regular expression (ECMA-262, unicode mode)'
    }
    let regexp: RE2JS
    try {
      regexp = RE2JS.compile(RE2JS.translateRegExp(source))
    } catch (err) {
      const detail = err instanceof Error ? `: ${err.message}` : ''
      return `cannot run on RE2, the linear-time engine tenant patterns use (no lookaround, no backreferences)${detail}`
    }
    const size = (regexp.re2().prog as { numInst: () => number }).numInst()
    if (size > PATTERN_MAX_SIZE) {
      return `is too large: ${size} RE2 instructions, at most ${PATTERN_MAX_SIZE} (bound lengths with minLength/maxLength rather than counted repetition)`
    }
    const rx = { test: (input: string) => this.match(pattern, input), toString: () => `/${source}/u` }
    const pattern: TenantPattern = { size, regexp, rx }
    this.compiled.set(source, pattern)
    this.size += size
    return undefined
  }

  /** Starts a validation with the whole budget. */
  begin (): void {
    this.spent = 0
    this.over = false
  }

  /** Whether the validation since `begin()` skipped a match for want of budget (that match failed). */
  exceeded (): boolean {
    return this.over
  }

  private match (pattern: TenantPattern, input: string): boolean {
    const cost = (input.length + 1) * pattern.size
    if (this.spent + cost > MATCH_BUDGET) {
      this.over = true
      return false
    }
    this.spent += cost
    return pattern.regexp.test(input)
  }
}
