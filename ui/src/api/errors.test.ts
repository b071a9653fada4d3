import { describe, expect, it } from 'vitest'
import { ApiError, toApiError } from './errors'

describe('toApiError', () => {
  it('keeps a known code and its localised message', () => {
    const e = toApiError({ code: 'invalid_id_number', message: '身份证号码有误', member_index: 1 })
    expect(e).toBeInstanceOf(ApiError)
    expect(e.code).toBe('invalid_id_number')
    expect(e.message).toBe('身份证号码有误')
    expect(e.memberIndex).toBe(1)
  })
  it('maps an unknown code to internal but keeps the message', () => {
    const e = toApiError({ code: 'flux_capacitor', message: 'x' })
    expect(e.code).toBe('internal')
    expect(e.message).toBe('x')
  })
  it.each([null, undefined, 42, '', {}])('never throws on %s', (raw) => {
    expect(toApiError(raw, 'fallback').code).toBe('internal')
  })
})
