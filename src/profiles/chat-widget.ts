// Zendesk-style chat widget visitor tokens: name, email and external_id, HS256, at most 10 minutes long, 2 minutes of skew.
import { Type, type Static } from 'typebox'
import { REGISTERED_CLAIMS, withTimes } from './claim-set.js'
import type { Profile } from './profile.js'
import { Email, NoOptions, Text, TtlField } from './request-fields.js'
import { claimReasons, isNonEmptyString } from './verify-rules.js'

/** The platform refuses tokens whose exp is more than 10 minutes after iat. */
export const CHAT_WIDGET_MAX_TTL = 600
/** The platform accepts iat up to 2 minutes off. */
export const CHAT_WIDGET_CLOCK_SKEW = 120
export const EXTERNAL_ID_PATTERN = '^[A-Za-z0-9._-]{1,255}$'
const EXTERNAL_ID = new RegExp(EXTERNAL_ID_PATTERN)

/** All three are required: the platform's guide lists each as information the payload needs. */
export const ChatWidgetRequestSchema = Type.Object({
  name: Text('The visitor\'s name'),
  email: Email('The visitor\'s email'),
  external_id: Type.String({ pattern: EXTERNAL_ID_PATTERN, description: 'Stable visitor id, e.g. user-123456; cannot change once set' }),
  ttl: TtlField
}, { additionalProperties: false })
export type ChatWidgetRequest = Static<typeof ChatWidgetRequestSchema>

export const chatWidget: Profile<'chat-widget'> = {
  name: 'chat-widget',
  title: 'Chat widget (Zendesk-style)',
  description: 'Visitor tokens for a Zendesk-style chat widget: name, email and external_id, HS256, at most 10 minutes long, 2 minutes of skew.',
  example: { request: { name: 'Jane Doe', email: 'jane@example.com', external_id: 'user-123456' } },
  requestSchema: ChatWidgetRequestSchema,
  optionsSchema: NoOptions,
  algs: ['HS256'],
  ttlBounds: { max: CHAT_WIDGET_MAX_TTL },
  policyDefaults: { defaultTtl: CHAT_WIDGET_MAX_TTL, minTtl: 60, maxTtl: CHAT_WIDGET_MAX_TTL, clockSkew: CHAT_WIDGET_CLOCK_SKEW },
  ownedClaims: [...REGISTERED_CLAIMS],
  buildClaims ({ body, iat, exp, issuer }) {
    return { claims: withTimes({ name: body.name, email: body.email, external_id: body.external_id }, { iat, exp, issuer }) }
  },
  verifyClaims: claims => claimReasons([
    ['name', isNonEmptyString(claims.name), 'must be a non-empty string'],
    ['email', isNonEmptyString(claims.email), 'must be a non-empty string'],
    ['external_id', claims.external_id === undefined || (typeof claims.external_id === 'string' && EXTERNAL_ID.test(claims.external_id)),
      `must match ${EXTERNAL_ID_PATTERN}`]
  ])
}
