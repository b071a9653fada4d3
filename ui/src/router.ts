// A tiny state router: the app has a handful of screens and no URLs to share, so a reactive
// current screen is simpler than a router library.

import { reactive } from 'vue'

export type Screen =
  | { name: 'home' }
  | { name: 'sync' }
  | { name: 'dashboard' }
  | { name: 'import' }
  | { name: 'printQueue' }
  | { name: 'register' }
  | { name: 'household'; householdId: string }
  | { name: 'sign'; householdId: string }
  | { name: 'visit'; householdId: string; residentId?: string; itemCode?: string }
  | { name: 'change'; householdId: string; contractId: string; action: 'renew' | 'doctor' | 'terminate' | 'decline' }

export const route = reactive<{ current: Screen; history: Screen[] }>({ current: { name: 'home' }, history: [] })

export function go(screen: Screen) {
  route.history.push(route.current)
  route.current = screen
  window.scrollTo?.(0, 0)
}

export function back() {
  route.current = route.history.pop() ?? { name: 'home' }
}

export function home() {
  route.history = []
  route.current = { name: 'home' }
}
