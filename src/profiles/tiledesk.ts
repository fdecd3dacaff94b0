// Tiledesk custom-authentication tokens: _id, sub "userexternal", the project audience and custom string attributes, HS256.
import { Type, type Static } from 'typebox'
import type { FieldError } from '../errors.js'
import type { JsonObject } from '../types.js'
import { putClaims, REGISTERED_CLAIMS, withTimes } from './claim-set.js'
import { DEFAULT_POLICY } from './policy-defaults.js'
import type { Profile } from './profile.js'
import { Email, Text, TtlField } from './request-fields.js'
import { isJsonObject, pointerToken } from './validator.js'
import { claimReasons, isNonEmptyString } from './verify-rules.js'

export const TILEDESK_SUBJECT = 'userexternal'
export const tiledeskAudience = (projectId: string): string => `https://tiledesk.com/projects/${projectId}`

/** The user fields of the request that become claims of the same name. */
const USER_FIELDS = ['_id', 'firstname', 'lastname', 'email'] as const
const OWNED = [...REGISTERED_CLAIMS]

export const TiledeskRequestSchema = Type.Object({
  _id: Text('The user id in the tenant\'s authentication system'),
  firstname: Type.Optional(Text('The user\'s first name')),
  lastname: Type.Optional(Text('The user\'s last name')),
  email: Type.Optional(Email('The user\'s email')),
  attributes: Type.Optional(Type.Object({}, {
    additionalProperties: Type.String({ maxLength: 1024 }),
    propertyNames: { type: 'string', minLength: 1, maxLength: 128 },
    maxProperties: 64,
    description: 'Custom string attributes; each becomes a top-level claim. They may not name a claim the profile sets.'
  })),
  ttl: TtlField
}, { additionalProperties: false })
export type TiledeskRequest = Static<typeof TiledeskRequestSchema>

export const TiledeskOptionsSchema = Type.Object({
  projectId: Type.String({
    pattern: '^[A-Za-z0-9_-]{1,128}$',
    title: 'Project id',
    description: 'The Tiledesk project id; the token audience is https://tiledesk.com/projects/<project id>'
  })
}, { additionalProperties: false })
export type TiledeskOptions = Static<typeof TiledeskOptionsSchema>

/** An attribute may not replace a claim the profile sets nor one of the user fields. */
function attributeErrors (body: JsonObject): FieldError[] {
  if (!isJsonObject(body.attributes)) return []
  const errors: FieldError[] = []
  for (const name of Object.keys(body.attributes)) {
    const path = `/attributes/${pointerToken(name)}`
    if ((OWNED as readonly string[]).includes(name)) errors.push({ path, message: 'is set by the tiledesk profile and cannot be an attribute' })
    else if ((USER_FIELDS as readonly string[]).includes(name)) errors.push({ path, message: `would override the ${name} claim; use the ${name} field` })
  }
  return errors
}

export const tiledesk: Profile<'tiledesk'> = {
  name: 'tiledesk',
  title: 'Tiledesk',
  description: 'Custom-authentication tokens for Tiledesk: _id, sub "userexternal", the project audience and custom string attributes, HS256.',
  example: {
    request: { _id: 'u-7', firstname: 'Grace', email: 'grace@example.com', attributes: { plan: 'gold' } },
    settings: { profileOptions: { projectId: '64f0c2a1b2' } }
  },
  requestSchema: TiledeskRequestSchema,
  optionsSchema: TiledeskOptionsSchema,
  algs: ['HS256'],
  ttlBounds: {},
  policyDefaults: DEFAULT_POLICY,
  ownedClaims: OWNED,
  checkBody: attributeErrors,
  buildClaims ({ tenant, body, iat, exp, issuer }) {
    const claims: JsonObject = { _id: body._id, sub: TILEDESK_SUBJECT, aud: tiledeskAudience(String(tenant.profileOptions.projectId)) }
    for (const field of ['firstname', 'lastname', 'email'] as const) {
      if (body[field] !== undefined) claims[field] = body[field]
    }
    if (isJsonObject(body.attributes)) putClaims(claims, body.attributes)
    return { claims: withTimes(claims, { iat, exp, issuer }) }
  },
  verifyClaims: (claims, tenant) => claimReasons([
    ['_id', isNonEmptyString(claims._id), 'must be a non-empty string'],
    ['sub', claims.sub === TILEDESK_SUBJECT, `must be "${TILEDESK_SUBJECT}"`],
    ['aud', claims.aud === tiledeskAudience(String(tenant.profileOptions.projectId)), 'must be the project\'s audience']
  ])
}
