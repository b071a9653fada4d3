import { describe, expect, it } from 'vitest'
import { localName, maskId, maskPhone } from './labels'

describe('labels', () => {
  it('hide the birth date of an ID number and the middle of a mobile number', () => {
    expect(maskId('11010519491231002X')).toBe('110105********002X')
    expect(maskPhone('13912345678')).toBe('139****5678')
    expect(maskPhone('0371-63212345')).toBe('0371-63212345')
    expect(maskId(null)).toBe('')
  })
  it('pick the English name only when there is one', () => {
    expect(localName({ name: '高血压随访', name_en: 'hypertension follow-up' }, 'en')).toBe('hypertension follow-up')
    expect(localName({ name: '高血压随访', name_en: '' }, 'en')).toBe('高血压随访')
    expect(localName({ name: '高血压随访', name_en: 'x' }, 'zh-CN')).toBe('高血压随访')
  })
})
