// Sunshine Conversations (Smooch) app-user tokens: scope "appUser" and a string userId, HS256 with the app's key id.
import { Type, type Static } from 'typebox'
import { REGISTERED_CLAIMS, withTimes } from './claim-set.js'
import { DEFAULT_POLICY } from './policy-defaults.js'
import type { Profile } from './profile.js'
import { NoOptions, Text, TtlField } from './request-fields.js'
import { claimReasons, isNonEmptyString } from './verify-rules.js'

const SCOPE = 'appUser'

export const SmoochRequestSchema = Type.Object({
  userId: Text('The app user id; a string (a numeric id must be sent as its string form)'),
  ttl: TtlField
}, { additionalProperties: false })
export type SmoochRequest = Static<typeof SmoochRequestSchema>

export const smooch: Profile<'smooch'> = {
  name: 'smooch',
  title: 'Sunshine Conversations (Smooch)',
  description: 'App-user tokens for Sunshine Conversations (Smooch): scope "appUser" and a string userId, HS256 with the app\'s key id.',
  example: { request: { userId: '12345' } },
  requestSchema: SmoochRequestSchema,
  optionsSchema: NoOptions,
  algs: ['HS256'],
  ttlBounds: {},
  policyDefaults: DEFAULT_POLICY,
  ownedClaims: ['scope', ...REGISTERED_CLAIMS],
  buildClaims ({ body, iat, exp, issuer }) {
    return { claims: withTimes({ scope: SCOPE, userId: body.userId }, { iat, exp, issuer }) }
  },
  verifyClaims: claims => claimReasons([
    ['scope', claims.scope === SCOPE, `must be "${SCOPE}"`],
    ['userId', isNonEmptyString(claims.userId), 'must be a non-empty string (a number is refused)']
  ])
}
