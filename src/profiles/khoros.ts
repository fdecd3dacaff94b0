// Khoros Brand Messenger user tokens: userId, scope "appUser", platform and givenName, HS256 over the secret's UTF-8 bytes.
import { Type, type Static } from 'typebox'
import { REGISTERED_CLAIMS, withTimes } from './claim-set.js'
import { DEFAULT_POLICY } from './policy-defaults.js'
import type { Profile } from './profile.js'
import { Text, TtlField } from './request-fields.js'
import { claimReasons, isNonEmptyString } from './verify-rules.js'

export const KHOROS_PLATFORMS = ['ios', 'android', 'web'] as const
export type KhorosPlatform = typeof KHOROS_PLATFORMS[number]
/** Platform of a tenant that names none. */
export const KHOROS_DEFAULT_PLATFORM: KhorosPlatform = 'web'
const SCOPE = 'appUser'
const isPlatform = (value: unknown): boolean => (KHOROS_PLATFORMS as readonly unknown[]).includes(value)
/** 'ios, android or web'. */
const PLATFORM_CHOICES = `${KHOROS_PLATFORMS.slice(0, -1).join(', ')} or ${KHOROS_PLATFORMS[KHOROS_PLATFORMS.length - 1]}`

const Platform = (annotations: { description: string, title?: string, default?: KhorosPlatform }) => Type.Enum([...KHOROS_PLATFORMS], annotations)

/**
 * givenName is required: the platform's guide lists it among the claims to include, and identifies
 * the user across sessions by the userId and name the token carries.
 */
export const KhorosRequestSchema = Type.Object({
  userId: Text('The user id in the tenant\'s system of record'),
  platform: Type.Optional(Platform({ description: 'Client platform; defaults to the tenant\'s profileOptions.platform' })),
  givenName: Text('The user\'s display name'),
  ttl: TtlField
}, { additionalProperties: false })
export type KhorosRequest = Static<typeof KhorosRequestSchema>

export const KhorosOptionsSchema = Type.Object({
  platform: Type.Optional(Platform({
    title: 'Default platform',
    description: 'The platform of a token request that names none',
    default: KHOROS_DEFAULT_PLATFORM
  }))
}, { additionalProperties: false })
export type KhorosOptions = Static<typeof KhorosOptionsSchema>

export const khoros: Profile<'khoros'> = {
  name: 'khoros',
  title: 'Khoros Brand Messenger',
  description: 'User tokens for Khoros Brand Messenger: userId, scope "appUser", platform and givenName, HS256 over the secret\'s UTF-8 bytes.',
  example: { request: { userId: 'u-42', platform: 'ios', givenName: 'Ada' } },
  requestSchema: KhorosRequestSchema,
  optionsSchema: KhorosOptionsSchema,
  algs: ['HS256'],
  ttlBounds: {},
  policyDefaults: DEFAULT_POLICY,
  ownedClaims: ['scope', ...REGISTERED_CLAIMS],
  applyOptionDefaults: options => ({ ...options, platform: options.platform ?? KHOROS_DEFAULT_PLATFORM }),
  buildClaims ({ tenant, body, iat, exp, issuer }) {
    const platform = body.platform ?? tenant.profileOptions.platform ?? KHOROS_DEFAULT_PLATFORM
    return {
      claims: withTimes({ userId: body.userId, scope: SCOPE, platform, givenName: body.givenName }, { iat, exp, issuer })
    }
  },
  verifyClaims: claims => claimReasons([
    ['scope', claims.scope === SCOPE, `must be "${SCOPE}"`],
    ['userId', isNonEmptyString(claims.userId), 'must be a non-empty string'],
    ['platform', isPlatform(claims.platform), `must be ${PLATFORM_CHOICES}`]
  ])
}
