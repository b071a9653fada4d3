import { describe, expect, it } from 'vitest'
import { nextTick, reactive, ref } from 'vue'
import { clearWhenEdited, usePlacedMessage } from './placedMessage'

describe('usePlacedMessage', () => {
  it('shows a message at its place only, and clears it when its cause is edited', async () => {
    const form = reactive({ address: '', token: '' })
    const m = usePlacedMessage<'page' | 'enroll'>('page')
    m.clearOn(() => form.address, 'enroll')
    m.fail(new Error('地址不对'), 'enroll')
    expect(m.at('enroll')).toBe('地址不对')
    expect(m.at('page')).toBe('')
    form.token = 'x'
    await nextTick()
    expect(m.at('enroll')).toBe('地址不对')
    form.address = 'https://'
    await nextTick()
    expect(m.at('enroll')).toBe('')
  })

  it('leaves a message placed elsewhere when the watched field changes', async () => {
    const form = reactive({ address: '' })
    const m = usePlacedMessage<'page' | 'enroll'>('page')
    m.clearOn(() => form.address, 'enroll')
    m.say('同步失败', 'page')
    form.address = 'x'
    await nextTick()
    expect(m.at('page')).toBe('同步失败')
  })
})

describe('clearWhenEdited', () => {
  it('clears on an edit and keeps a message set after the edit', async () => {
    const form = reactive({ village: '', address: '' })
    const error = ref('请选择村')
    clearWhenEdited(error, form)
    form.village = '东村'
    expect(error.value).toBe('')
    // A list that failed to load after the form was filled: its message stays.
    form.address = '东路1号'
    error.value = '村列表读取失败'
    await nextTick()
    expect(error.value).toBe('村列表读取失败')
  })
})
