// Parsers of flag values and local files for the CLI; a bad value is a usage error (exit 2).
import { readFile } from 'node:fs/promises'
import { InvalidArgumentError } from 'commander'
import { jsonSyntaxError } from '../json-syntax.js'
import { UsageError } from './errors.js'

export type JsonObject = Record<string, unknown>

/** A whole number of seconds (or a count), at least `min`. */
export function integer (min = 0): (value: string) => number {
  return value => {
    if (!/^\d+$/.test(value.trim()) || Number(value) < min || !Number.isSafeInteger(Number(value))) {
      throw new InvalidArgumentError(`must be a whole number${min > 0 ? ` >= ${min}` : ''}`)
    }
    return Number(value)
  }
}

/** A time as the API takes it: Unix seconds (sent as a number) or an ISO 8601 string. */
export function time (value: string): number | string {
  if (/^\d{1,12}$/.test(value)) return Number(value)
  if (Number.isNaN(Date.parse(value))) throw new InvalidArgumentError('must be Unix seconds or an ISO 8601 time')
  return value
}

/** A rate-limit window: milliseconds (a number) or a duration string such as "1 minute". */
export function timeWindow (value: string): number | string {
  return /^\d+$/.test(value) ? integer(1)(value) : value
}

/** `key=value` (a string) or `key:=json` (any JSON value). */
export function assignment (value: string): [string, unknown] {
  const json = /^([^=:]+):=(.*)$/s.exec(value)
  if (json !== null) {
    try {
      return [json[1], JSON.parse(json[2])]
    } catch {
      throw new InvalidArgumentError(`the value of ${json[1]} is not JSON`)
    }
  }
  const text = /^([^=]+)=(.*)$/s.exec(value)
  if (text === null) throw new InvalidArgumentError('must be key=value (a string) or key:=json')
  return [text[1], text[2]]
}

/** Repeatable `key=value` flags into one object. */
export function collectAssignments (value: string, previous: JsonObject = {}): JsonObject {
  const [key, parsed] = assignment(value)
  return { ...previous, [key]: parsed }
}

/** A JSON object given as the value of `flag` (or read from a file of that name); a bad one says why, e.g. `--claims must be a JSON object: unexpected 'u' at column 2`. */
export function jsonObject (flag: string): (value: string) => JsonObject {
  return value => {
    let parsed: unknown
    try {
      parsed = JSON.parse(value)
    } catch {
      const syntax = jsonSyntaxError(value)
      const where = syntax === undefined ? 'it is not JSON' : `${syntax.message} at ${syntax.line > 1 ? `line ${syntax.line}, ` : ''}column ${syntax.column}`
      throw new UsageError(`${flag} must be a JSON object: ${where}`)
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new UsageError(`${flag} must be a JSON object: got ${Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : `a ${typeof parsed}`}`)
    }
    return parsed as JsonObject
  }
}

/** stdin as the CLI uses it: read for "-" files, and asked on for confirmations when it is a terminal. */
export type InputStream = NodeJS.ReadableStream & { isTTY?: boolean }

/** The text of a file, or of stdin for "-". */
export async function readText (file: string, stdin: InputStream | undefined): Promise<string> {
  if (file === '-') {
    if (stdin === undefined) throw new UsageError('no stdin to read from')
    const chunks: Buffer[] = []
    for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)))
    return Buffer.concat(chunks).toString('utf8')
  }
  try {
    return await readFile(file, 'utf8')
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
}

/** A JSON object read from a file. */
export async function readJsonObject (file: string, stdin: InputStream | undefined): Promise<JsonObject> {
  return jsonObject(file)(await readText(file, stdin))
}
