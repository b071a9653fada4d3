import { describe, expect, it } from 'vitest'
import type { Questionnaire, ReferralRow } from '../api'
import { inLang, openReferrals, scoreText, surveyAnswers, unanswered } from './services'

const row = (over: Partial<ReferralRow>): ReferralRow => ({
  referral_id: 'r1',
  resident_id: 'p1',
  resident_name: '张三',
  to_institution: '县人民医院',
  reason: '胸痛',
  referred_on: '2026-06-01',
  urgency: null,
  urgency_label: '',
  doctor_id: 'd1',
  doctor_name: '刘医生',
  recorded_at: '2026-06-01T02:00:00Z',
  open: true,
  back: null,
  ...over,
})

const choices = [
  { code: 'satisfied', label: '满意', label_en: 'Satisfied', points: 2 },
  { code: 'fairly', label: '基本满意', label_en: 'Fairly satisfied', points: 1 },
]
const q: Questionnaire = {
  version: '2026',
  title: '满意度调查',
  title_en: 'Survey',
  questions: [
    { code: 'overall', text: '总体', text_en: 'Overall', choices },
    { code: 'attitude', text: '态度', text_en: 'Manner', choices },
  ],
}

describe('referrals', () => {
  it('offers a return only for referrals still out, oldest first', () => {
    const back = { back_id: 'b', returned_on: '2026-06-09', follow_up_plan: '随访', doctor_id: null, doctor_name: '', recorded_at: '' }
    const rows = [
      row({ referral_id: 'late', referred_on: '2026-07-01' }),
      row({ referral_id: 'closed', open: false, back }),
      row({ referral_id: 'early', referred_on: '2026-05-01' }),
    ]
    expect(openReferrals(rows).map((r) => r.referral_id)).toEqual(['early', 'late'])
  })
})

describe('survey form', () => {
  it('names the questions still unanswered, in order', () => {
    expect(unanswered(q, {})).toEqual(['overall', 'attitude'])
    expect(unanswered(q, { attitude: 'fairly' })).toEqual(['overall'])
    expect(unanswered(q, { overall: 'perfect', attitude: 'fairly' })).toEqual(['overall'])
    expect(unanswered(q, { overall: 'satisfied', attitude: 'fairly' })).toEqual([])
  })

  it('sends the answers in the questionnaire order, leaving out unknown choices', () => {
    expect(surveyAnswers(q, { attitude: 'fairly', overall: 'satisfied' })).toEqual([
      { question: 'overall', choice: 'satisfied' },
      { question: 'attitude', choice: 'fairly' },
    ])
    expect(surveyAnswers(q, { overall: 'perfect' })).toEqual([])
  })

  it('speaks the user language and rounds the score to one decimal', () => {
    expect(inLang('zh-CN', '满意', 'Satisfied')).toBe('满意')
    expect(inLang('en', '满意', 'Satisfied')).toBe('Satisfied')
    expect(inLang('en', '满意', '')).toBe('满意')
    expect(scoreText(100)).toBe('100')
    expect(scoreText(85.71428)).toBe('85.7')
    expect(scoreText(0)).toBe('0')
  })
})
