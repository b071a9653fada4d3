// Who served at a visit: the choice the visit form offers and how the household page names
// the person.
import type { VisitRow, VisitTeam } from '../api'

export interface ServingOption { id: string; label: string }

/** The team's members as the form lists them: name · role, in the team's order. */
export function servingOptions(team: VisitTeam | null): ServingOption[] {
  return (team?.members ?? []).map((m) => ({ id: m.id, label: `${m.name} · ${m.role_label}` }))
}

/**
 * The member the form starts with: the one already chosen when still in the team (a draft),
 * else the team's default (the enrolled doctor when in it, else the contract's doctor).
 */
export function initialServedBy(team: VisitTeam | null, chosen: string | null | undefined): string | null {
  if (!team) return null
  if (chosen && team.members.some((m) => m.id === chosen)) return chosen
  return team.default_member ?? null
}

/**
 * Who served, for a row of the household's visits. A visit recorded before the app asked counts
 * for the contract's doctor of the day: `unrecorded` says so; a person this device's teams do
 * not name is `unknown`.
 */
export function servedByText(row: VisitRow, words: { unrecorded: string; unknown: string }): string {
  if (!row.served_by) return words.unrecorded
  if (!row.served_by_name) return words.unknown
  return row.served_by_role ? `${row.served_by_name} · ${row.served_by_role}` : row.served_by_name
}
