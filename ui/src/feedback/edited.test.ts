import { describe, expect, it } from 'vitest'
import { editedFields, snapshot } from './edited'

describe('editedFields', () => {
  it('names the fields of each row that changed', () => {
    const before = snapshot([{ name: '', phone: '1' }, { name: 'b', phone: '' }])
    const after = [{ name: 'a', phone: '1' }, { name: 'b', phone: '2' }]
    expect(editedFields(before, after).map((s) => [...s])).toEqual([['name'], ['phone']])
  })
  it('names nothing when a row was added or removed', () => {
    expect(editedFields([{ name: '' }], [{ name: 'a' }, { name: '' }]).every((s) => s.size === 0)).toBe(true)
  })
  it('sees a changed list inside a row', () => {
    expect([...editedFields([{ groups: ['a'] }], [{ groups: ['a', 'b'] }])[0]]).toEqual(['groups'])
  })
})
