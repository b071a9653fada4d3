// Shared state the header shows: changes not yet synced, the last sync, a round in progress and
// the refusals waiting to be read. Sync events (from "Sync now" or the background runner) keep
// it current between the periodic refreshes.

import { reactive } from 'vue'
import { api, onSyncEvent, type DeviceTools, type SyncEvent, type SyncPhase, type SyncSummary, type TownshipTool } from '../api'

export const status = reactive({
  pending: 0,
  lastSyncAt: null as string | null,
  loaded: false,
  enrolled: false,
  openRefusals: 0,
  lastError: null as string | null,
  syncing: false,
  phase: null as SyncPhase | null,
  done: 0,
  total: 0,
  lastSummary: null as SyncSummary | null,
  /** The demo (training) township: marked in the header, kept from real servers. */
  demo: false,
  /** The device's role and the township tools it offers; nothing offered until known. */
  tools: null as DeviceTools | null,
})

/** Whether this device offers a township tool (the API refuses it otherwise). */
export function offers(tool: TownshipTool): boolean {
  return status.tools?.tools.includes(tool) ?? false
}

/** Whether the store holds the demo township (set once, when the demo was built), and the
 *  device's role and tools (they change at enrollment and sync). */
export async function refreshKind() {
  try {
    const s = await api.deviceKind()
    status.demo = s.demo
    status.tools = s.tools
  } catch {
    /* the header keeps what it knew */
  }
}

export async function refreshStatus() {
  try {
    const s = await api.syncOverview()
    status.pending = s.pending_changes
    status.lastSyncAt = s.last_sync_at
    status.enrolled = s.enrolled
    status.openRefusals = s.open_refusals
    status.lastError = s.last_error?.message ?? null
    status.syncing = status.syncing || s.syncing
    status.loaded = true
  } catch {
    status.loaded = false
  }
}

/** Share of the current phase done, 0–100, for the progress bar. */
export function progressPercent(): number {
  if (!status.total) return status.syncing ? 5 : 0
  return Math.min(100, Math.round((status.done / status.total) * 100))
}

export function applySyncEvent(e: SyncEvent) {
  switch (e.type) {
    case 'started':
      Object.assign(status, { syncing: true, phase: null, done: 0, total: 0, lastError: null })
      break
    case 'progress':
      Object.assign(status, { syncing: true, phase: e.phase, done: e.done, total: e.total })
      break
    case 'finished':
      Object.assign(status, { syncing: false, phase: null, lastSummary: e.summary })
      refreshStatus()
      refreshKind()
      break
    case 'failed':
      Object.assign(status, { syncing: false, phase: null, lastError: e.error.message })
      refreshStatus()
      break
    case 'unreachable':
      break
  }
}

let listening = false
/** Subscribes once to the backend's sync events. */
export function followSync() {
  if (listening) return
  listening = true
  onSyncEvent(applySyncEvent).catch(() => {
    listening = false
  })
}
