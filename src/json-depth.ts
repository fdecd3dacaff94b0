// Nesting depth of JSON text, measured without parsing: input nested too deep is refused before JSON.parse, and later JSON.stringify, meet it.

/** How deep request bodies and token parts may nest arrays and objects; far beyond any real claims schema or claim. */
export const MAX_JSON_DEPTH = 64

/** Whether JSON text nests arrays and objects more than `max` levels deep (brackets inside strings do not count). */
export function jsonNestsDeeperThan (text: string, max: number = MAX_JSON_DEPTH): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++ // a backslash: skip the escaped character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) {
      inString = true
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true
    } else if (c === 0x5d || c === 0x7d) {
      depth--
    }
  }
  return false
}
