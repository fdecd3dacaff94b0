// The contract every token profile implements: its schemas, algorithms, lifetime rules, claim building, verify rules and docs.
import type { TSchema } from 'typebox'
import type { FieldError } from '../errors.js'
import type { Alg, JsonObject, ProfileName, Tenant, TokenPolicy } from '../types.js'

/** Lifetime limits a platform imposes, in seconds (inclusive). */
export interface TtlBounds {
  min?: number
  max?: number
}

export interface ClaimsContext {
  tenant: Tenant
  /** The request body, already validated, without `ttl`. */
  body: JsonObject
  /** Unix seconds. */
  iat: number
  /** Unix seconds; `exp - iat` is the resolved ttl. */
  exp: number
  /** Set by the caller for asymmetric tenants: the token then carries `iss` = issuer. */
  issuer?: string
}

export interface BuiltClaims {
  claims: JsonObject
  /** Header members beyond the `{ alg, typ: 'JWT', kid }` the signer always sets. */
  header?: JsonObject
}

/** What the verify rules of a profile get beside the claims and the tenant. */
export interface VerifyClaimsContext {
  /** The tenant's compiled request-claims validator (see compileClaimsValidator), for a profile that has one. */
  requestClaims?: (claims: JsonObject) => FieldError[]
}

/** A request body the profile accepts, and tenant settings it fits: documentation, checked by the profile tests. */
export interface ProfileExample {
  readonly request: JsonObject
  /** The settings of POST /v1/admin/tenants beyond id, name and profile, when the profile needs any. */
  readonly settings?: { readonly profileOptions?: JsonObject, readonly claimsSchema?: JsonObject }
}

/** `Name` is the profile's literal name: the registry derives `ProfileName` from the profiles it lists. */
export interface Profile<Name extends string = ProfileName> {
  readonly name: Name
  /** The platform, as a picker names it, e.g. 'Sunshine Conversations (Smooch)'. */
  readonly title: string
  /** One sentence for the OpenAPI document and the dashboard: what the tokens carry and how they are signed. */
  readonly description: string
  readonly example: ProfileExample
  /** Body of POST /tokens (with the optional `ttl`): validation, the OpenAPI document and the dashboard read it. */
  readonly requestSchema: TSchema
  /** The tenant's `profileOptions`. */
  readonly optionsSchema: TSchema
  /** Allowed signing algorithms; the first one is the default. */
  readonly algs: readonly Alg[]
  readonly ttlBounds: TtlBounds
  /** Token policy of a tenant that sets none. */
  readonly policyDefaults: TokenPolicy
  /** Claims the profile sets; a request naming one is a 400 (a security invariant: requests never override them). */
  readonly ownedClaims: readonly string[]
  /** Checks of a schema-valid body that depend on the tenant or on several fields; paths are JSON pointers into the body. */
  readonly checkBody?: (body: JsonObject, tenant: Tenant) => FieldError[]
  /**
   * Validator of the body's claims (the body without `ttl`) defined by the tenant rather than by
   * `requestSchema` (the custom profile). Compiled once per tenant version.
   */
  readonly compileClaimsValidator?: (tenant: Tenant) => (claims: JsonObject) => FieldError[]
  /** Fills defaults into schema-valid profile options. */
  readonly applyOptionDefaults?: (options: JsonObject) => JsonObject
  readonly buildClaims: (ctx: ClaimsContext) => BuiltClaims
  /**
   * The iss of every token of the tenant whatever the alg, when its options configure one; otherwise asymmetric
   * tokens carry the tenant's discovery issuer and HS256 tokens none.
   */
  readonly configuredIssuer?: (tenant: Tenant) => string | undefined
  /**
   * What the platform checks in the claims beyond signature, iss and lifetime: one reason per refused claim,
   * phrased 'claim <name> <what is wrong>' (see claimReasons); none for claims the platform would accept.
   */
  readonly verifyClaims: (claims: JsonObject, tenant: Tenant, context: VerifyClaimsContext) => string[]
}
