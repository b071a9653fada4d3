// The header's menu: the tools a doctor reaches less often than the work list, the dashboard
// and Sync now. Each item keeps the `data-test` its button had before the menu existed.

export type MenuCommand = 'sync' | 'import' | 'printQueue' | 'passphrase' | 'language' | 'lock'

export interface MenuItem {
  command: MenuCommand
  labelKey: string
  test: string
  /** A line above the item: the screens first, then the laptop's own settings. */
  divided: boolean
}

export const HEADER_MENU: readonly MenuItem[] = [
  { command: 'sync', labelKey: 'header.syncPage', test: 'nav-sync', divided: false },
  { command: 'import', labelKey: 'header.import', test: 'nav-import', divided: false },
  { command: 'printQueue', labelKey: 'printQueue.title', test: 'nav-print-queue', divided: false },
  { command: 'passphrase', labelKey: 'passphrase.open', test: 'change-passphrase', divided: true },
  { command: 'language', labelKey: 'header.otherLanguage', test: 'lang-switch', divided: false },
  { command: 'lock', labelKey: 'lock.lockNow', test: 'lock-now', divided: true },
]
