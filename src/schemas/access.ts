// Schemas of the access-control routes (credentials, whoami, sessions), and the types the service and the CLI take from them.
import { Type, type Static } from 'typebox'
import { ROLES } from '../access/actions.js'
import { CREDENTIAL_ID_PATTERN } from '../access/credentials.js'
import { TenantId, TimeInput, onePage } from './common.js'

export const RoleSchema = Type.Enum(ROLES, { description: 'admin, operator, tenant-admin (its tenants only) or auditor' })
const Tenants = Type.Union([Type.Array(TenantId), Type.Null()], { description: 'The tenants of a tenant-admin; null for the other roles' })

export const CredentialCreateSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  role: RoleSchema,
  tenants: Type.Optional(Type.Array(TenantId, { minItems: 1, maxItems: 1000, description: 'Required for tenant-admin, refused for the other roles' })),
  expiresAt: Type.Optional(TimeInput)
}, { additionalProperties: false })
export type CredentialCreate = Static<typeof CredentialCreateSchema>

/** What every answer about a credential holds. */
const CredentialFields = {
  id: Type.String(),
  name: Type.String(),
  role: RoleSchema,
  tenants: Tenants,
  createdAt: Type.String(),
  expiresAt: Type.Union([Type.String(), Type.Null()])
}

export const CredentialViewSchema = Type.Object({
  ...CredentialFields,
  lastUsedAt: Type.Union([Type.String(), Type.Null()], { description: 'Updated at most once a minute per instance' })
})
export type CredentialView = Static<typeof CredentialViewSchema>
export const CredentialListSchema = onePage(CredentialViewSchema)
export type CredentialList = Static<typeof CredentialListSchema>

export const CredentialCreatedSchema = Type.Object({
  ...CredentialFields,
  token: Type.String({ description: 'tmo_<id>_<secret>, shown once' })
})
export type CredentialCreated = Static<typeof CredentialCreatedSchema>

export const CredentialParamsSchema = Type.Object({ id: Type.String({ pattern: CREDENTIAL_ID_PATTERN }) })

export const WhoamiSchema = Type.Object({ id: Type.String(), name: Type.String(), role: RoleSchema, tenants: Tenants })
export type Whoami = Static<typeof WhoamiSchema>

export const SessionOpenSchema = Type.Object({
  token: Type.String({ minLength: 1, maxLength: 512, description: 'ADMIN_TOKEN or a scoped credential' })
}, { additionalProperties: false })
export type SessionOpen = Static<typeof SessionOpenSchema>

export const SessionOpenedSchema = Type.Object({
  ...WhoamiSchema.properties,
  expiresAt: Type.String(),
  csrfToken: Type.String({ description: 'Send it as x-csrf-token with every write made with the session cookie; shown once' })
})
export type SessionOpened = Static<typeof SessionOpenedSchema>
