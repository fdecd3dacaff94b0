// Khoros Brand Messenger user tokens: userId, scope "appUser", platform and givenName, HS256 over the secret's UTF-8 bytes.
import { Type, type Static } from 'typebox'
import { REGISTERED_CLAIMS, withTimes } from './claim-set.js'
import { DEFAULT_POLICY } from './policy-defaults.js'
import type { Profile } from './profile.js'
import { Text, TtlField } from './request-fields.js'

export const KHOROS_PLATFORMS = ['ios', 'android', 'web'] as const
export type KhorosPlatform = typeof KHOROS_PLATFORMS[number]
/** Platform of a tenant that names none. */
export const KHOROS_DEFAULT_PLATFORM: KhorosPlatform = 'web'

const Platform = (description: string) => Type.Enum([...KHOROS_PLATFORMS], { description })

/**
 * givenName is required: the platform's guide lists it among the claims to include, and identifies
 * the user across sessions by the userId and name the token carries.
 */
export const KhorosRequestSchema = Type.Object({
  userId: Text('The user id in the tenant\'s system of record'),
  platform: Type.Optional(Platform('Client platform; defaults to the tenant\'s profileOptions.platform')),
  givenName: Text('The user\'s display name'),
  ttl: TtlField
}, { additionalProperties: false })
export type KhorosRequest = Static<typeof KhorosRequestSchema>

export const KhorosOptionsSchema = Type.Object({
  platform: Type.Optional(Platform(`Default platform of the tenant's users (${KHOROS_DEFAULT_PLATFORM} when unset)`))
}, { additionalProperties: false })
export type KhorosOptions = Static<typeof KhorosOptionsSchema>

export const khoros: Profile<'khoros'> = {
  name: 'khoros',
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
      claims: withTimes({ userId: body.userId, scope: 'appUser', platform, givenName: body.givenName }, { iat, exp, issuer })
    }
  }
}
