// Where JSON text stops being JSON: the first syntax error as a line, a column and what was found there.

export interface JsonSyntaxError {
  /** Offset of the offending character in the text (UTF-16 units), 0-based. */
  offset: number
  /** 1-based line and column of that character. */
  line: number
  column: number
  /** What the parser found there: `unexpected 'x'` or `unexpected end of input`. */
  message: string
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r'])
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't'])
const LITERALS = ['true', 'false', 'null']
const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y
const HEX4 = /[0-9a-fA-F]{4}/y

class Stop {
  constructor (readonly offset: number) {}
}

/**
 * The first syntax error of `text` (RFC 8259), or undefined when it is valid JSON. Only called on text that
 * JSON.parse refused, to say where; recursion depth is bounded by the nesting-depth check that runs first.
 */
export function jsonSyntaxError (text: string): JsonSyntaxError | undefined {
  let i = 0
  const skip = (): void => { while (i < text.length && WHITESPACE.has(text[i] as string)) i++ }
  const expect = (c: string): void => {
    if (text[i] !== c) throw new Stop(i)
    i++
  }
  const string = (): void => {
    expect('"')
    for (;;) {
      const c = text[i]
      if (c === undefined || c < ' ') throw new Stop(i)
      i++
      if (c === '"') return
      if (c !== '\\') continue
      const e = text[i]
      if (e === 'u') {
        HEX4.lastIndex = i + 1
        if (!HEX4.test(text)) throw new Stop(i + 1)
        i += 5
      } else if (e !== undefined && ESCAPES.has(e)) {
        i++
      } else {
        throw new Stop(i)
      }
    }
  }
  /** The members of an object or the items of an array, from the opening bracket to `close`. */
  const sequence = (close: string, member: () => void): void => {
    i++
    skip()
    if (text[i] === close) { i++; return }
    for (;;) {
      member()
      skip()
      if (text[i] === ',') { i++; continue }
      expect(close)
      return
    }
  }
  const value = (): void => {
    skip()
    const c = text[i]
    if (c === '{') { sequence('}', () => { skip(); string(); skip(); expect(':'); value() }); return }
    if (c === '[') { sequence(']', value); return }
    if (c === '"') { string(); return }
    const literal = LITERALS.find(word => text.startsWith(word, i))
    if (literal !== undefined) { i += literal.length; return }
    NUMBER.lastIndex = i
    if (NUMBER.test(text)) { i = NUMBER.lastIndex; return }
    throw new Stop(i)
  }
  try {
    value()
    skip()
    if (i < text.length) throw new Stop(i)
    return undefined
  } catch (err) {
    if (!(err instanceof Stop)) throw err
    return locate(text, err.offset)
  }
}

function locate (text: string, offset: number): JsonSyntaxError {
  const before = text.slice(0, offset)
  const line = before.split('\n').length
  const column = offset - before.lastIndexOf('\n')
  const found = text[offset]
  const message = found === undefined ? 'unexpected end of input' : `unexpected ${found < ' ' ? JSON.stringify(found) : `'${found}'`}`
  return { offset, line, column, message }
}
