import { describe, expect, it } from 'vitest'
import { roleLabelKey } from './roleLabel'
import zh from '../locales/zh-CN.json'
import en from '../locales/en.json'

describe('the role label', () => {
  it('names the role, or why every tool is shown, in both languages', () => {
    const keys = [
      roleLabelKey({ role: 'doctor', all_shown: false }, false),
      roleLabelKey({ role: 'team-leader', all_shown: false }, true),
      roleLabelKey({ role: null, all_shown: true }, true),
      roleLabelKey({ role: null, all_shown: true }, false),
    ]
    expect(keys).toEqual(['deviceRole.doctor', 'deviceRole.team-leader', 'deviceRole.demo', 'deviceRole.notEnrolled'])
    for (const key of keys) {
      const leaf = key.split('.')[1] as keyof typeof zh.deviceRole
      expect(zh.deviceRole[leaf]).toBeTruthy()
      expect(en.deviceRole[leaf]).toBeTruthy()
      expect(en.deviceRole[leaf]).not.toMatch(/[\u4e00-\u9fff]/)
    }
  })
})
