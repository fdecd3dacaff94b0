// The built-in profiles by name.
import { invalid } from '../errors.js'
import { PROFILE_NAMES, type ProfileName } from '../types.js'
import { chatWidget } from './chat-widget.js'
import { custom } from './custom.js'
import { khoros } from './khoros.js'
import type { Profile } from './profile.js'
import { sceyt } from './sceyt.js'
import { smooch } from './smooch.js'
import { tiledesk } from './tiledesk.js'

export const PROFILES: Readonly<Record<ProfileName, Profile>> = Object.freeze({
  smooch,
  khoros,
  tiledesk,
  sceyt,
  'chat-widget': chatWidget,
  custom
})

export function isProfileName (name: unknown): name is ProfileName {
  return typeof name === 'string' && (PROFILE_NAMES as readonly string[]).includes(name)
}

/** The profile of that name; anything else is a 400 naming '/profile'. */
export function getProfile (name: string): Profile {
  if (!isProfileName(name)) throw invalid('/profile', `must be one of ${PROFILE_NAMES.join(', ')}`)
  return PROFILES[name]
}
