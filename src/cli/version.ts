// The version `tokenmint --version` prints: package.json's, found above this module (src/cli/ or dist/src/cli/).
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The `version` of the nearest package.json above `from`. */
export function packageVersion (from: string = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json')
    if (existsSync(file)) return String((JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version ?? 'unknown')
    if (dirname(dir) === dir) return 'unknown'
  }
}
