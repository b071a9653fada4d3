import { describe, expect, it } from 'vitest'
import { bmi, bpOnTarget, checkVitals } from './vitals'

describe('checkVitals', () => {
  it('accepts ordinary values', () => {
    expect(checkVitals({ systolic: 135, diastolic: 85, fasting_glucose: 6.1, height: 165, weight: 60 })).toEqual([])
  })
  it('flags a value outside its range with the range', () => {
    expect(checkVitals({ systolic: 1350, diastolic: 85 })).toEqual([{ field: 'systolic', kind: 'range', min: 60, max: 280 }])
  })
  it('flags diastolic above systolic (swapped fields)', () => {
    expect(checkVitals({ systolic: 80, diastolic: 130 })).toEqual([{ field: 'systolic', kind: 'inverted' }])
  })
  it('wants both pressures or neither', () => {
    expect(checkVitals({ systolic: 130 })).toEqual([{ field: 'diastolic', kind: 'pair' }])
  })
})

describe('derived values', () => {
  it('computes BMI to one decimal', () => {
    expect(bmi({ height: 170, weight: 65 })).toBe(22.5)
    expect(bmi({ height: 170 })).toBeNull()
  })
  it('judges blood pressure against 140/90', () => {
    expect(bpOnTarget({ systolic: 139, diastolic: 89 })).toBe(true)
    expect(bpOnTarget({ systolic: 140, diastolic: 80 })).toBe(false)
  })
  it('judges nothing that is flagged as a typing mistake', () => {
    expect(bpOnTarget({ systolic: 1350, diastolic: 85 })).toBeNull()
    expect(bpOnTarget({ systolic: 80, diastolic: 130 })).toBeNull()
    expect(bpOnTarget({ systolic: 150, diastolic: 85 })).toBe(false)
    expect(bmi({ height: 1700, weight: 65 })).toBeNull()
    expect(bmi({ height: 170, weight: 0 })).toBeNull()
  })
})
