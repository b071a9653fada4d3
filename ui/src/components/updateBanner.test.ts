// The update banner: an install the township's package refused leaves its reason on screen while
// that version is still offered, and a later sync offering another version starts clean.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { ElMessageBox } from 'element-plus'
import { useElement } from '../plugins/element'
import { i18n } from '../i18n'
import { ApiError, type UpdateOfferView } from '../api'

const offered: { now: UpdateOfferView | null } = { now: null }
const offer = (version: string): UpdateOfferView => ({ version, notes: `说明 ${version}`, size: 1000, pub_date: '2026-12-01T08:00:00Z' })

vi.mock('../api', async (importOriginal) => {
  const original = await importOriginal<typeof import('../api')>()
  return {
    ...original,
    api: {
      updateOffer: vi.fn(async () => offered.now),
      installUpdate: vi.fn(async () => {
        throw new original.ApiError('update_refused', `安装包 ${offered.now?.version} 的签名不对，未安装`)
      }),
    },
  }
})

import UpdateBanner from './UpdateBanner.vue'
import { status } from '../lib/status'

const global = { plugins: [i18n, { install: useElement }] }

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
  document.body.innerHTML = ''
  status.lastSyncAt = null
  vi.spyOn(ElMessageBox, 'confirm').mockResolvedValue('confirm' as never)
})

async function refusedInstallOf(version: string) {
  offered.now = offer(version)
  const banner = mount(UpdateBanner, { attachTo: document.body, global })
  await flushPromises()
  await banner.get('[data-test=update-install]').trigger('click')
  await flushPromises()
  return banner
}

async function syncAgain(at: string) {
  status.lastSyncAt = at
  await flushPromises()
}

describe('the update banner', () => {
  it('keeps a refusal while the refused version is still offered', async () => {
    const banner = await refusedInstallOf('0.2.0')
    expect(banner.get('[data-test=update-error]').text()).toContain('0.2.0')
    await syncAgain('2026-12-07T09:00:00Z')
    expect(banner.get('[data-test=update-error]').text()).toContain('0.2.0')
  })

  it('drops the refusal when a sync offers another version', async () => {
    const banner = await refusedInstallOf('0.2.0')
    expect(banner.find('[data-test=update-error]').exists()).toBe(true)
    offered.now = offer('0.2.1')
    await syncAgain('2026-12-07T10:00:00Z')
    expect(banner.get('[data-test=update-banner]').text()).toContain('0.2.1')
    expect(banner.find('[data-test=update-error]').exists()).toBe(false)
  })

  it('goes away with its refusal when nothing is offered any more', async () => {
    const banner = await refusedInstallOf('0.2.0')
    offered.now = null
    await syncAgain('2026-12-07T11:00:00Z')
    expect(banner.find('[data-test=update-banner]').exists()).toBe(false)
    offered.now = offer('0.2.0')
    await syncAgain('2026-12-07T12:00:00Z')
    expect(banner.find('[data-test=update-error]').exists()).toBe(false)
  })
})
