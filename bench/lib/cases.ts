// What the bench measures: baseline servers, load targets (tokenmint and baselines), cases grouping them, and the targets they must meet.
import type { LoadRequest } from './load.js'
import { ISSUE_BODY, issueRequest, issueVariants, type BenchAlg, type BenchTenant } from './tokenmint.js'

export type BaselineId = 'hello' | 'ceiling-hs256' | 'express-hs256' | 'express-rs256' | 'async-rs256' | 'async-es256' | 'async-eddsa'
export type ServerId = 'tokenmint' | BaselineId

export const BASELINES: Record<BaselineId, { label: string, script: string, args: string[] }> = {
  hello: { label: 'fastify hello GET', script: 'bench/baselines/hello.ts', args: [] },
  'ceiling-hs256': { label: 'fastify + fast-jwt HS256 (ceiling)', script: 'bench/baselines/fastify-fast-jwt.ts', args: [] },
  'express-hs256': { label: 'express + jsonwebtoken HS256 (status quo)', script: 'bench/baselines/express-jsonwebtoken.ts', args: ['HS256'] },
  'express-rs256': { label: 'express + jsonwebtoken RS256, PEM string', script: 'bench/baselines/express-jsonwebtoken.ts', args: ['RS256'] },
  'async-rs256': { label: 'fastify + async crypto.sign RS256-2048', script: 'bench/baselines/fastify-async-sign.ts', args: ['RS256'] },
  'async-es256': { label: 'fastify + async crypto.sign ES256', script: 'bench/baselines/fastify-async-sign.ts', args: ['ES256'] },
  'async-eddsa': { label: 'fastify + async crypto.sign EdDSA', script: 'bench/baselines/fastify-async-sign.ts', args: ['EdDSA'] }
}

/** Tenants the tokenmint targets use, created during set-up. */
export interface TargetContext {
  single: Partial<Record<BenchAlg, BenchTenant>>
  many: BenchTenant[]
  /** The admin case: ADMIN_TOKEN and a scoped operator credential, both reading the HS256 tenant. */
  admin?: { rootToken: string, scopedToken: string }
}

export interface TargetDef {
  id: string
  label: string
  server: ServerId
  /** Tenant algorithms (single tenants) the target needs. */
  needs: BenchAlg[]
  /** Needs the many-tenants set. */
  needsMany?: boolean
  /** Admin work kept running while the target is measured: `keygen` = KEYGEN_PARALLEL RSA-4096 generations at all times. */
  background?: 'keygen'
  request: (ctx: TargetContext) => LoadRequest
}

/** RSA-4096 generations kept running (on another tenant) during the keygen measurement. */
export const KEYGEN_PARALLEL = 3
/** The tenant the background generations add their keys to. */
export const KEYGEN_TENANT = 'bench-keygen'

const BASELINE_AUTH = 'Bearer tm_bench_baseline_0000000000000000000000000000000000000000000'
const baselineIssue = (): LoadRequest => ({
  method: 'POST', path: '/tokens', headers: { authorization: BASELINE_AUTH, 'content-type': 'application/json' }, body: ISSUE_BODY
})

function tenantOf (ctx: TargetContext, alg: BenchAlg): BenchTenant {
  const tenant = ctx.single[alg]
  if (tenant === undefined) throw new Error(`no ${alg} tenant was set up`)
  return tenant
}

const tokenmintIssue = (alg: BenchAlg) => (ctx: TargetContext): LoadRequest => issueRequest(tenantOf(ctx, alg))

function randomTenantRequest (ctx: TargetContext): LoadRequest {
  const variants = issueVariants(ctx.many)
  if (variants.length === 0) throw new Error('no tenants were set up for the many-tenants case')
  return { method: 'POST', path: variants[0].path, headers: variants[0].headers, body: ISSUE_BODY, variants }
}

/** Distinct User-Agents of the JWKS case: the fetches are recorded (always on) for this many verifiers. */
export const JWKS_VERIFIERS = 1000

/** GETs of `path` by `verifiers` distinct User-Agents, one at random per request. */
export function verifierRequests (path: string, verifiers = JWKS_VERIFIERS): LoadRequest {
  return { method: 'GET', path, variants: Array.from({ length: verifiers }, (_, i) => ({ path, headers: { 'user-agent': `bench-verifier/${i}` } })) }
}

const jwksRequest = (ctx: TargetContext): LoadRequest => verifierRequests(`/v1/tenants/${tenantOf(ctx, 'RS256').id}/jwks.json`)

/** GET /v1/admin/tenants/<HS256 tenant> with one of the admin case's credentials. */
const adminRead = (which: 'rootToken' | 'scopedToken') => (ctx: TargetContext): LoadRequest => {
  if (ctx.admin === undefined) throw new Error('no admin credentials were set up')
  return { method: 'GET', path: `/v1/admin/tenants/${tenantOf(ctx, 'HS256').id}`, headers: { authorization: `Bearer ${ctx.admin[which]}` } }
}

export const TARGETS: Record<string, TargetDef> = Object.fromEntries(([
  { id: 'tm-hs256', label: 'tokenmint HS256 (smooch)', server: 'tokenmint', needs: ['HS256'], request: tokenmintIssue('HS256') },
  { id: 'ceiling-hs256', label: BASELINES['ceiling-hs256'].label, server: 'ceiling-hs256', needs: [], request: baselineIssue },
  { id: 'express-hs256', label: BASELINES['express-hs256'].label, server: 'express-hs256', needs: [], request: baselineIssue },
  { id: 'tm-many', label: 'tokenmint HS256, random tenant of many', server: 'tokenmint', needs: [], needsMany: true, request: randomTenantRequest },
  { id: 'tm-rs256', label: 'tokenmint RS256 (custom)', server: 'tokenmint', needs: ['RS256'], request: tokenmintIssue('RS256') },
  { id: 'tm-rs256-keygen', label: `tokenmint RS256 while ${KEYGEN_PARALLEL} RSA-4096 generations run`, server: 'tokenmint', needs: ['RS256'], background: 'keygen', request: tokenmintIssue('RS256') },
  { id: 'async-rs256', label: BASELINES['async-rs256'].label, server: 'async-rs256', needs: [], request: baselineIssue },
  { id: 'express-rs256', label: BASELINES['express-rs256'].label, server: 'express-rs256', needs: [], request: baselineIssue },
  { id: 'tm-es256', label: 'tokenmint ES256 (custom)', server: 'tokenmint', needs: ['ES256'], request: tokenmintIssue('ES256') },
  { id: 'async-es256', label: BASELINES['async-es256'].label, server: 'async-es256', needs: [], request: baselineIssue },
  { id: 'tm-eddsa', label: 'tokenmint EdDSA (custom)', server: 'tokenmint', needs: ['EdDSA'], request: tokenmintIssue('EdDSA') },
  { id: 'async-eddsa', label: BASELINES['async-eddsa'].label, server: 'async-eddsa', needs: [], request: baselineIssue },
  {
    id: 'tm-jwks',
    label: `tokenmint JWKS GET (RS256 tenant, ${JWKS_VERIFIERS.toLocaleString('en-US')} verifiers)`,
    server: 'tokenmint',
    needs: ['RS256'],
    request: jwksRequest
  },
  { id: 'hello', label: BASELINES.hello.label, server: 'hello', needs: [], request: () => ({ method: 'GET', path: '/' }) },
  { id: 'tm-admin-root', label: 'tokenmint GET admin tenant, ADMIN_TOKEN', server: 'tokenmint', needs: ['HS256'], request: adminRead('rootToken') },
  { id: 'tm-admin-scoped', label: 'tokenmint GET admin tenant, scoped operator credential', server: 'tokenmint', needs: ['HS256'], request: adminRead('scopedToken') }
] satisfies TargetDef[]).map(t => [t.id, t]))

export interface CaseDef { id: string, label: string, targets: string[] }

/**
 * In run order; each ratio's two targets sit next to each other. A target shared by two cases (tm-hs256) is
 * measured once per run, with the later case's targets next to it (see runOrder).
 */
export const CASES: CaseDef[] = [
  { id: 'hs256', label: 'HS256 issuance', targets: ['express-hs256', 'ceiling-hs256', 'tm-hs256'] },
  { id: 'tenants', label: 'many tenants, random tenant + API key per request', targets: ['tm-hs256', 'tm-many'] },
  { id: 'rs256', label: 'RS256 issuance', targets: ['tm-rs256', 'async-rs256', 'express-rs256'] },
  { id: 'es256', label: 'ES256 issuance', targets: ['tm-es256', 'async-es256'] },
  { id: 'eddsa', label: 'EdDSA issuance', targets: ['tm-eddsa', 'async-eddsa'] },
  { id: 'jwks', label: 'JWKS GET', targets: ['tm-jwks', 'hello'] },
  { id: 'keygen', label: 'RS256 issuance while RSA-4096 keys are generated', targets: ['tm-rs256', 'tm-rs256-keygen'] },
  { id: 'hello', label: 'hello GET', targets: ['hello'] },
  { id: 'admin', label: 'admin route: ADMIN_TOKEN vs a scoped credential', targets: ['tm-admin-root', 'tm-admin-scoped'] }
]

/** Pseudo-case: spawn-to-ready of tokenmint. */
export const STARTUP_CASE = 'startup'

export const CASE_ALIASES: Record<string, string> = { tenants10k: 'tenants', '10k': 'tenants', many: 'tenants', hs: 'hs256', rs: 'rs256', es: 'es256', ed25519: 'eddsa' }

/**
 * Order of measurements in one run: cases in order, shared targets once. Odd runs reverse the order inside each
 * case so that no target always goes first. A case sharing a target with an earlier one has its other targets put
 * right after that target (right before it in odd runs), so both sides of its ratio are measured back to back:
 * express, ceiling, tm-hs256, tm-many, then tm-many, tm-hs256, ceiling, express.
 */
export function runOrder (caseIds: readonly string[], targetFilter: (id: string) => boolean, runIndex: number): string[] {
  const order: string[] = []
  const odd = runIndex % 2 === 1
  for (const c of CASES) {
    if (!caseIds.includes(c.id)) continue
    const shared = c.targets.find(t => order.includes(t))
    const targets = c.targets.filter(t => targetFilter(t) && !order.includes(t))
    if (odd) targets.reverse()
    if (shared === undefined) {
      order.push(...targets)
      continue
    }
    const at = order.indexOf(shared)
    order.splice(odd ? at : at + 1, 0, ...targets)
  }
  return order
}

export interface RatioCheck { kind: 'ratio', id: string, label: string, numerator: string, denominator: string, min: number }
/** Latency under some other load over latency idle: p99 of `numerator` / p99 of `denominator`, paired per run. */
export interface LatencyRatioCheck { kind: 'p99-ratio', id: string, label: string, numerator: string, denominator: string, max: number }
export interface LimitCheck { kind: 'limit', id: string, label: string, target: string, metric: 'p99Ms' | 'peakRssMb', max: number, unit: string }
export type Check = RatioCheck | LatencyRatioCheck | LimitCheck

export const CHECKS: Check[] = [
  { kind: 'ratio', id: 'hs256-vs-ceiling', label: 'HS256 vs fastify+fast-jwt ceiling', numerator: 'tm-hs256', denominator: 'ceiling-hs256', min: 0.75 },
  { kind: 'ratio', id: 'hs256-vs-express', label: 'HS256 vs express+jsonwebtoken', numerator: 'tm-hs256', denominator: 'express-hs256', min: 8 },
  { kind: 'limit', id: 'hs256-p99', label: 'HS256 p99 latency', target: 'tm-hs256', metric: 'p99Ms', max: 10, unit: 'ms' },
  { kind: 'ratio', id: 'many-vs-single', label: 'many tenants vs single-tenant HS256', numerator: 'tm-many', denominator: 'tm-hs256', min: 0.85 },
  { kind: 'limit', id: 'many-rss', label: 'many tenants peak RSS', target: 'tm-many', metric: 'peakRssMb', max: 300, unit: 'MB' },
  { kind: 'ratio', id: 'rs256-vs-async', label: 'RS256 vs async crypto.sign', numerator: 'tm-rs256', denominator: 'async-rs256', min: 0.85 },
  { kind: 'ratio', id: 'es256-vs-async', label: 'ES256 vs async crypto.sign', numerator: 'tm-es256', denominator: 'async-es256', min: 0.75 },
  { kind: 'ratio', id: 'eddsa-vs-async', label: 'EdDSA vs async crypto.sign', numerator: 'tm-eddsa', denominator: 'async-eddsa', min: 0.75 },
  { kind: 'ratio', id: 'jwks-vs-hello', label: 'JWKS GET vs fastify hello', numerator: 'tm-jwks', denominator: 'hello', min: 0.90 },
  { kind: 'ratio', id: 'admin-scoped-vs-root', label: 'admin GET, scoped credential vs ADMIN_TOKEN', numerator: 'tm-admin-scoped', denominator: 'tm-admin-root', min: 0.90 },
  { kind: 'p99-ratio', id: 'rs256-keygen-p99', label: `RS256 p99 during ${KEYGEN_PARALLEL} RSA-4096 generations vs idle`, numerator: 'tm-rs256-keygen', denominator: 'tm-rs256', max: 3 }
]

/** Ratios printed for information only (no target). */
export const INFO_RATIOS: Array<Omit<RatioCheck, 'min' | 'kind'>> = [
  { id: 'rs256-vs-express', label: 'RS256 vs express+jsonwebtoken (PEM string)', numerator: 'tm-rs256', denominator: 'express-rs256' },
  { id: 'ceiling-vs-express', label: 'ceiling vs express+jsonwebtoken (HS256)', numerator: 'ceiling-hs256', denominator: 'express-hs256' }
]

export const STARTUP_MAX_MS = 1500
