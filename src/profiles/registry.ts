// The built-in profiles: the one list of them, from which the profile names and their type are derived.
import { invalid } from '../errors.js'
import { chatWidget } from './chat-widget.js'
import { custom } from './custom.js'
import { khoros } from './khoros.js'
import type { Profile } from './profile.js'
import { sceyt } from './sceyt.js'
import { smooch } from './smooch.js'
import { tiledesk } from './tiledesk.js'

/** Every built-in profile, in the order lists and error messages name them. A new platform is one line here. */
const BUILT_IN = [smooch, khoros, tiledesk, sceyt, chatWidget, custom] as const

export type ProfileName = typeof BUILT_IN[number]['name']

/** The names of a tuple of profiles, as a tuple. */
type NamesOf<T extends readonly unknown[]> = { readonly [I in keyof T]: T[I] extends Profile<infer Name> ? Name : never }

/** The names of the built-in profiles, in registry order. */
export const PROFILE_NAMES = Object.freeze(BUILT_IN.map(profile => profile.name)) as NamesOf<typeof BUILT_IN>

export const PROFILES: Readonly<Record<ProfileName, Profile>> = Object.freeze(
  Object.fromEntries(BUILT_IN.map(profile => [profile.name, profile])) as Record<ProfileName, Profile>
)

export function isProfileName (name: unknown): name is ProfileName {
  return typeof name === 'string' && Object.hasOwn(PROFILES, name)
}

/** The profile of that name; anything else is a 400 naming '/profile'. */
export function getProfile (name: string): Profile {
  if (!isProfileName(name)) throw invalid('/profile', `must be one of ${PROFILE_NAMES.join(', ')}`)
  return PROFILES[name]
}
