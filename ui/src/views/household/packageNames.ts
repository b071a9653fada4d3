// Package codes as the doctor reads them: the catalog's names in the chosen language, read once.
import { ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { api, type Package } from '../../api'
import { localName } from '../../lib/labels'

const packages = ref<Package[] | null>(null)
let asked = false

export function usePackageNames(): (codes: string[]) => string {
  const { locale } = useI18n()
  if (!asked) {
    asked = true
    Promise.resolve()
      .then(() => api.catalog())
      .then((c) => (packages.value = c.package))
      .catch(() => (asked = false))
  }
  return (codes) => codes.map((c) => localName(packages.value?.find((p) => p.code === c), locale.value) || c).join('、')
}
