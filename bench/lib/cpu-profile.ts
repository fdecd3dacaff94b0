// Summary of a V8 .cpuprofile: self time per function and per package (tokenmint, node internals, each dependency).
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'

interface CallFrame { functionName: string, url: string, lineNumber: number, columnNumber: number }
interface ProfileNode { id: number, callFrame: CallFrame, hitCount?: number, children?: number[] }
export interface CpuProfile { nodes: ProfileNode[], startTime: number, endTime: number, samples?: number[], timeDeltas?: number[] }

export interface SelfTime { name: string, where: string, group: string, ms: number, percent: number }
export interface ProfileSummary { totalMs: number, windowed: boolean, functions: SelfTime[], groups: Array<{ group: string, ms: number, percent: number }> }

function groupOf (url: string, functionName: string, root: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)'
  if (url.startsWith('node:')) return 'node internals'
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (modules !== null) return modules[1]
  const path = url.startsWith('file://') ? fileURLToPath(url) : url
  if (path.startsWith(root)) return 'tokenmint'
  return 'other'
}

function location (url: string, line: number, root: string): string {
  if (url === '') return ''
  const path = url.startsWith('file://') ? fileURLToPath(url) : url
  const shown = path.startsWith(root) ? relative(root, path) : path
  return `${shown}:${line + 1}`
}

/** Monotonic-clock interval in microseconds (V8 profile timestamps use the same clock as process.hrtime). */
export interface ProfileWindow { fromUs: number, toUs: number }

function selfTimes (profile: CpuProfile, window: ProfileWindow | undefined): Map<number, number> {
  const selfUs = new Map<number, number>()
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  let at = profile.startTime
  for (let i = 0; i < samples.length; i++) {
    at += deltas[i] ?? 0
    if (window !== undefined && (at < window.fromUs || at > window.toUs)) continue
    // timeDeltas[i + 1] is the time spent in samples[i]; the last sample gets the mean.
    const delta = deltas[i + 1] ?? (profile.endTime - profile.startTime) / samples.length
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + Math.max(0, delta))
  }
  return selfUs
}

/**
 * Self time from samples/timeDeltas (hitCount as a fallback), aggregated by function and location.
 * With a window, only samples taken inside it count (falls back to the whole profile if none do).
 */
export function summarizeProfile (profile: CpuProfile, root: string, window?: ProfileWindow): ProfileSummary {
  const byId = new Map(profile.nodes.map(n => [n.id, n]))
  let selfUs = new Map<number, number>()
  let windowed = false
  if (profile.samples !== undefined && profile.timeDeltas !== undefined) {
    if (window !== undefined) {
      selfUs = selfTimes(profile, window)
      windowed = selfUs.size > 0
    }
    if (!windowed) selfUs = selfTimes(profile, undefined)
  } else {
    const interval = (profile.endTime - profile.startTime) / Math.max(1, profile.nodes.reduce((n, x) => n + (x.hitCount ?? 0), 0))
    for (const node of profile.nodes) selfUs.set(node.id, (node.hitCount ?? 0) * interval)
  }
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0)
  const functions = new Map<string, SelfTime>()
  const groups = new Map<string, number>()
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame
    if (frame === undefined || us === 0) continue
    const name = frame.functionName === '' ? '(anonymous)' : frame.functionName
    const where = location(frame.url, frame.lineNumber, root)
    const group = groupOf(frame.url, name, root)
    const key = `${name}@${where}`
    const entry = functions.get(key) ?? { name, where, group, ms: 0, percent: 0 }
    entry.ms += us / 1000
    functions.set(key, entry)
    groups.set(group, (groups.get(group) ?? 0) + us / 1000)
  }
  const pct = (ms: number): number => totalUs > 0 ? Number(((ms * 1000 / totalUs) * 100).toFixed(1)) : 0
  return {
    totalMs: Math.round(totalUs / 1000),
    windowed,
    functions: [...functions.values()].map(f => ({ ...f, ms: Number(f.ms.toFixed(1)), percent: pct(f.ms) })).sort((a, b) => b.ms - a.ms),
    groups: [...groups.entries()].map(([group, ms]) => ({ group, ms: Number(ms.toFixed(1)), percent: pct(ms) })).sort((a, b) => b.ms - a.ms)
  }
}

export function formatSummary (summary: ProfileSummary, top: number): string {
  const lines = [`total sampled: ${summary.totalMs} ms (${summary.windowed ? 'measured load window only' : 'whole process lifetime'})`, '', 'self time by package:']
  for (const g of summary.groups.slice(0, 15)) lines.push(`  ${g.percent.toFixed(1).padStart(5)}%  ${g.ms.toFixed(0).padStart(7)} ms  ${g.group}`)
  lines.push('', `top ${top} functions by self time:`)
  for (const f of summary.functions.slice(0, top)) {
    lines.push(`  ${f.percent.toFixed(1).padStart(5)}%  ${f.ms.toFixed(0).padStart(7)} ms  ${f.name}  ${f.where}  [${f.group}]`)
  }
  return lines.join('\n')
}
