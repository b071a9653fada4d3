// Whether the app is locked. Any command answered with `locked` (the store closed by the idle
// lock, say) brings the lock screen back; the views underneath stay mounted, so an open form
// is there again after the unlock.

import { reactive } from 'vue'

export const lockState = reactive({
  /** Known once the shell has answered at start. */
  checked: false,
  locked: true,
})

export function markLocked() {
  lockState.locked = true
}
