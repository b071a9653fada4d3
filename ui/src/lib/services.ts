// Two-way referral and the satisfaction survey on the household page: which referrals a
// return may be recorded for, the survey form's answers in the questionnaire's order, and the
// score as shown. The rules themselves (dates, one survey a contract year, scoring) are the
// backend's; these only shape what the forms send and show.
import type { Questionnaire, ReferralRow, SurveyAnswer } from '../api'

/** Referrals still out (a return may be recorded for them), oldest first. */
export function openReferrals(rows: ReferralRow[]): ReferralRow[] {
  return rows.filter((r) => r.open && !r.back).sort((a, b) => a.referred_on.localeCompare(b.referred_on))
}

/** The choice picked for each question (by code): what the radio groups hold. */
export type Picked = Record<string, string | undefined>

/** Codes of the questions not answered yet, in the questionnaire's order. */
export function unanswered(q: Questionnaire, picked: Picked): string[] {
  return q.questions
    .filter((x) => !x.choices.some((c) => c.code === picked[x.code]))
    .map((x) => x.code)
}

/** The answers to send, in the questionnaire's order; choices no question offers are left out. */
export function surveyAnswers(q: Questionnaire, picked: Picked): SurveyAnswer[] {
  return q.questions.flatMap((x) => {
    const choice = x.choices.find((c) => c.code === picked[x.code])
    return choice ? [{ question: x.code, choice: choice.code }] : []
  })
}

/** A question's or choice's text in the user's language. */
export function inLang(lang: string, zh: string, en: string): string {
  return lang.startsWith('en') && en ? en : zh
}

/** A 0–100 score with at most one decimal: 100, 85.7. */
export function scoreText(score: number): string {
  return String(Math.round(score * 10) / 10)
}
