// What the CLI prints: the server's JSON with --json, otherwise tables and "name: value" lines; secrets in a block marked as shown once.
import type { ApiError } from './errors.js'

export interface Writer {
  write: (chunk: string) => unknown
}

export type Row = Array<string | number | boolean | null | undefined>

const cell = (value: Row[number]): string => value === undefined || value === null || value === '' ? '-' : String(value)

/** Aligned columns under upper-case headers; the last column is not padded. */
export function formatTable (headers: string[], rows: Row[]): string[] {
  const cells = [headers.map(h => h.toUpperCase()), ...rows.map(row => row.map(cell))]
  const widths = headers.map((_, i) => Math.max(...cells.map(row => (row[i] ?? '').length)))
  return cells.map(row => row.map((text, i) => i === row.length - 1 ? text : text.padEnd(widths[i])).join('  ').trimEnd())
}

/** "name: value" lines with the values aligned; undefined values are left out. */
export function formatFields (fields: Array<[string, Row[number]]>): string[] {
  const shown = fields.filter(([, value]) => value !== undefined)
  const width = Math.max(...shown.map(([name]) => name.length)) + 1
  return shown.map(([name, value]) => `${(name + ':').padEnd(width)} ${cell(value)}`)
}

/** The lines of a non-2xx answer: `error: <status> <code>: <detail>` and one line per field error. */
export function formatApiError (err: ApiError): string[] {
  const problem = err.problem
  if (problem?.code === undefined) {
    const body = err.body.trim().slice(0, 300)
    return [`error: ${err.status} ${err.statusText}${body === '' ? '' : `: ${body}`}`]
  }
  const lines = [`error: ${err.status} ${problem.code}: ${problem.detail ?? problem.title ?? ''}`]
  for (const fieldError of problem.errors ?? []) lines.push(`  ${fieldError.path}: ${fieldError.message}`)
  return lines
}

export class Output {
  constructor (private readonly stdout: Writer, private readonly stderr: Writer, readonly json: boolean) {}

  line (text = ''): void {
    this.stdout.write(text + '\n')
  }

  lines (texts: string[]): void {
    for (const text of texts) this.line(text)
  }

  error (text: string): void {
    this.stderr.write(text + '\n')
  }

  /** The server's JSON with --json, the human rendering otherwise. */
  result (body: unknown, human: () => void): void {
    if (this.json) {
      if (body !== undefined) this.line(JSON.stringify(body, null, 2))
    } else {
      human()
    }
  }

  table (headers: string[], rows: Row[], empty: string): void {
    if (rows.length === 0) this.line(empty)
    else this.lines(formatTable(headers, rows))
  }

  fields (fields: Array<[string, Row[number]]>): void {
    this.lines(formatFields(fields))
  }

  /** A secret the server returns once: a clear block on stdout (with --json, only a note on stderr, the JSON carries it). */
  secret (label: string, field: string, value: string | undefined): void {
    if (value === undefined) return
    if (this.json) {
      this.error(`note: "${field}" is shown once; store it now, it cannot be read again`)
      return
    }
    this.line()
    this.line(`${label} (shown once; store it now, it cannot be read again):`)
    this.line(`  ${value}`)
    this.line()
  }

  warnings (warnings: string[] | undefined): void {
    for (const warning of warnings ?? []) this.error(`warning: ${warning}`)
  }
}
