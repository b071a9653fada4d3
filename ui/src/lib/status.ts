// Shared state the header shows: changes not yet synced and the last sync time.

import { reactive } from 'vue'
import { api } from '../api'

export const status = reactive({ pending: 0, lastSyncAt: null as string | null, loaded: false })

export async function refreshStatus() {
  try {
    const s = await api.status()
    status.pending = s.pending_changes
    status.lastSyncAt = s.last_sync
    status.loaded = true
  } catch {
    status.loaded = false
  }
}
