// The household's change history on screen: who changed which field of whom, when, from what
// to what. The backend sends field keys and value codes; here they become the words the doctor
// reads. Kept apart from the component so the rules are unit-tested.

import type { FieldChangeView } from '../api/types'

type Translate = (key: string, params?: Record<string, unknown>) => string

/** Fields with a label of their own (`fieldHistory.field.<key>`); others show their key. */
export const LABELLED_FIELDS = [
  'name', 'sex', 'birth_date', 'phone', 'id_number', 'id_number_missing', 'relation', 'groups', 'household_id', 'deleted',
  'address', 'group', 'village_id', 'record_number',
] as const

export interface ChangeLine {
  /** `YYYY-MM-DD HH:mm`, China Standard Time. */
  when: string
  who: string
  /** The member's name, or the household's own label. */
  subject: string
  field: string
  /** The value before; for the first change kept, marked as the one registered. */
  old: string
  new: string
  /** The first change of this field kept: the old value is the registered one. */
  sinceRegistration: boolean
  /** A change made elsewhere that arrived after a later one: kept, not applied. */
  notApplied: boolean
  inForce: boolean
}

/** An instant as the villages' clock reads it (China Standard Time), whatever the machine's zone. */
export function chinaTime(at: string): string {
  const ms = Date.parse(at)
  if (Number.isNaN(ms)) return at
  return new Date(ms + 8 * 3600 * 1000).toISOString().slice(0, 16).replace('T', ' ')
}

/** A field's label; an unknown field shows its key. */
export function fieldLabel(t: Translate, field: string): string {
  return (LABELLED_FIELDS as readonly string[]).includes(field) ? t(`fieldHistory.field.${field}`) : field
}

/** A value as the doctor reads it: codes translated, groups listed, an empty value a dash. */
export function valueText(t: Translate, field: string, value: string | null): string {
  if (value === null || value === '') return t('fieldHistory.empty')
  switch (field) {
    case 'sex':
      return t(`sex.${value}`)
    case 'relation':
      return t(`relation.${value}`)
    case 'groups':
      return value.split(',').map((g) => t(`group.${g}`)).join('、')
    case 'id_number_missing':
    case 'deleted':
      return t(value === 'true' ? 'fieldHistory.yes' : 'fieldHistory.no')
    default:
      return value
  }
}

/** Who made a change: the doctor by name, else the device by its short code. */
export function whoText(t: Translate, c: FieldChangeView): string {
  if (c.doctor_name) return c.doctor_name
  return c.this_device ? t('fieldHistory.thisDevice') : t('fieldHistory.device', { code: c.device_code })
}

/** The lines of the history, in the order the backend sends them (newest first). */
export function changeLines(t: Translate, changes: FieldChangeView[]): ChangeLine[] {
  return changes.map((c) => ({
    when: chinaTime(c.at),
    who: whoText(t, c),
    subject: c.record === 'household' ? t('fieldHistory.household') : (c.member_name ?? ''),
    field: fieldLabel(t, c.field),
    old: c.since_registration
      ? t('fieldHistory.atRegistration', { value: valueText(t, c.field, c.old_value) })
      : valueText(t, c.field, c.old_value),
    new: valueText(t, c.field, c.new_value),
    sinceRegistration: c.since_registration,
    notApplied: !c.took_effect,
    inForce: c.in_force,
  }))
}
