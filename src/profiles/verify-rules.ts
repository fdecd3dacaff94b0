// Building blocks of the profiles' verify rules: claim checks turned into the reasons the verify route reports.

/** One check of a claim: its name, whether the platform accepts it, and what it must be when not. */
export type ClaimCheck = readonly [name: string, accepted: boolean, requirement: string]

/** 'claim <name> <requirement>' for each check that failed, in order. */
export function claimReasons (checks: readonly ClaimCheck[]): string[] {
  const reasons: string[] = []
  for (const [name, accepted, requirement] of checks) if (!accepted) reasons.push(`claim ${name} ${requirement}`)
  return reasons
}

export const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value.length > 0
