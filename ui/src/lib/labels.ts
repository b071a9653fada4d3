// Small display helpers shared by the views.

/** Shows an ID number with the birth date hidden: 410102********1234. */
export function maskId(id: string | null | undefined): string {
  if (!id) return ''
  return id.length > 10 ? `${id.slice(0, 6)}${'*'.repeat(id.length - 10)}${id.slice(-4)}` : id
}

/** Shows a phone number with the middle hidden: 139****5678. */
export function maskPhone(phone: string | null | undefined): string {
  if (!phone) return ''
  return /^1\d{10}$/.test(phone) ? `${phone.slice(0, 3)}****${phone.slice(-4)}` : phone
}

/** The name in the current language, for things that carry `name` and `name_en`. */
export function localName(x: { name: string; name_en?: string } | undefined | null, locale: string): string {
  if (!x) return ''
  return locale === 'en' && x.name_en ? x.name_en : x.name
}
