// The few passing notes a screen cannot show in place (a dialog that closed, a page left
// behind). They rise from the bottom of the window so they never cover the header's
// pending-changes counter; one helper keeps that rule in one place.

import { ElMessage } from 'element-plus'

const PLACE = { placement: 'bottom', offset: 24, grouping: true } as const

export const notify = {
  success(message: string) {
    ElMessage({ ...PLACE, type: 'success', message })
  },
}
