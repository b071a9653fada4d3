// The change history's words: field labels, values in words, who, and China time.
import { describe, expect, it } from 'vitest'
import { i18n } from '../i18n'
import type { FieldChangeView } from '../api/types'
import { changeLines, chinaTime, fieldLabel, valueText } from './fieldHistory'

const t = (key: string, params?: Record<string, unknown>) => i18n.global.t(key, params ?? {})

const change = (c: Partial<FieldChangeView>): FieldChangeView => ({
  record: 'resident', record_id: 'r1', member_name: '贾年', field: 'phone', old_value: null, new_value: null,
  since_registration: false, at: '2026-03-01T02:00:00Z', doctor_name: null, doctor_id: null, device_code: 'A1B2C3D4',
  this_device: false, in_force: true, took_effect: true, ...c,
})

describe('the change history in words', () => {
  it('reads instants on the villages\' clock', () => {
    expect(chinaTime('2026-03-01T17:05:00Z')).toBe('2026-03-02 01:05')
  })

  it('labels known fields and shows the key of others', () => {
    i18n.global.locale.value = 'en'
    expect(fieldLabel(t, 'birth_date')).toBe('Birth date')
    expect(fieldLabel(t, 'something_new')).toBe('something_new')
    i18n.global.locale.value = 'zh-CN'
    expect(fieldLabel(t, 'id_number')).toBe('身份证号')
  })

  it('says codes in words', () => {
    i18n.global.locale.value = 'zh-CN'
    expect(valueText(t, 'sex', 'female')).toBe('女')
    expect(valueText(t, 'relation', 'spouse')).toBe('配偶')
    expect(valueText(t, 'groups', 'hypertension,diabetes')).toBe('高血压、2型糖尿病')
    expect(valueText(t, 'id_number_missing', 'false')).toBe('否')
    expect(valueText(t, 'phone', null)).toBe('（空）')
    expect(valueText(t, 'name', '贾年')).toBe('贾年')
  })

  it('names the doctor, this device, or the other device', () => {
    i18n.global.locale.value = 'zh-CN'
    const [byDoctor, here, elsewhere, notApplied] = changeLines(t, [
      change({ doctor_name: '刘医生' }),
      change({ this_device: true }),
      change({ since_registration: true, new_value: '13912345678' }),
      change({ took_effect: false, in_force: false, old_value: '1', new_value: '2' }),
    ])
    expect(byDoctor.who).toBe('刘医生')
    expect(here.who).toBe('本机')
    expect(elsewhere.who).toBe('设备 A1B2C3D4')
    expect(elsewhere.old).toBe('登记时：（空）')
    expect(elsewhere.new).toBe('13912345678')
    expect(notApplied.notApplied).toBe(true)
  })
})
