// The device's role as the header and the sync screen name it, in the language shown now (the
// label the backend sends is in the language of its last answer, which a switch outdates).

import type { DeviceTools } from '../generated'

export function roleLabelKey(tools: Pick<DeviceTools, 'role' | 'all_shown'>, demo: boolean): string {
  if (tools.role) return `deviceRole.${tools.role}`
  return demo ? 'deviceRole.demo' : 'deviceRole.notEnrolled'
}
