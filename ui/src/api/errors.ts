// Errors reach the UI as `{ code, message }`: `message` is already in the user's language, `code`
// is what the UI acts on. Codes mirror the backend's; anything unknown becomes `internal`, which
// the UI shows as a plain failure without acting on it.

export const ERROR_CODES = [
  'invalid_id_number',
  'invalid_phone',
  'required',
  'too_long',
  'invalid_date',
  'birth_date_mismatch',
  'invalid_vitals',
  'invalid_household',
  'duplicate_id_number',
  'unknown_group',
  'invalid_catalog',
  'unknown_package',
  'invalid_contract',
  'already_covered',
  'contract_state',
  'confirmation_required',
  'same_doctor',
  'item_not_in_contract',
  'visit_in_future',
  'invalid_signature',
  'unknown_doctor',
  'no_team',
  'not_found',
  'store_busy',
  'store_error',
  'store_version',
  'store_corrupt',
  'invalid_input',
  'storage',
  'not_set_up',
  'locked',
  'locked_out',
  'wrong_passphrase',
  'weak_passphrase',
  'passphrase_mismatch',
  'key_file',
  'key_file_missing',
  'vault_exists',
  'not_encrypted',
  'untrusted_server',
  'insecure_address',
  'invalid_enrollment_file',
  'enrollment_for_another_device',
  'backup_corrupt',
  'backup_too_new',
  'backup_other_doctor',
  'backup_write_failed',
  'unsynced_work',
  'store_locked',
  'restore_failed',
  'usb_write_failed',
  'usb_folder_missing',
  'print',
  'internal',
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

export class ApiError extends Error {
  readonly code: ErrorCode
  /** Index of the household member the error is about, when the backend says so. */
  readonly memberIndex: number | null
  /** Field the error is about, when the backend says so. */
  readonly field: string | null

  constructor(code: ErrorCode, message: string, memberIndex: number | null = null, field: string | null = null) {
    super(message)
    this.name = 'ApiError'
    this.code = code
    this.memberIndex = memberIndex
    this.field = field
  }
}

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code)
}

/** Turns whatever an `invoke` rejected with into an ApiError; never throws. */
export function toApiError(raw: unknown, fallbackMessage = ''): ApiError {
  if (raw instanceof ApiError) return raw
  if (raw && typeof raw === 'object') {
    const o = raw as Record<string, unknown>
    const message = typeof o.message === 'string' && o.message ? o.message : fallbackMessage
    const code = isErrorCode(o.code) ? o.code : 'internal'
    const member = typeof o.member_index === 'number' ? o.member_index : null
    const field = typeof o.field === 'string' ? o.field : null
    return new ApiError(code, message, member, field)
  }
  if (typeof raw === 'string' && raw) return new ApiError('internal', raw)
  return new ApiError('internal', fallbackMessage)
}
