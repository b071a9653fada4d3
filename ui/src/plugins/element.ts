// Only the Element Plus components the app uses, with their styles: the whole library would
// double the code the webview parses at every start.
import type { App } from 'vue'
import {
  ElAlert, ElButton, ElCard, ElCheckbox, ElCheckboxGroup, ElConfigProvider, ElDatePicker, ElDialog, ElDrawer, ElDropdown,
  ElDropdownItem, ElDropdownMenu, ElForm, ElFormItem, ElInput, ElInputNumber, ElOption, ElPagination, ElProgress, ElRadio, ElRadioButton, ElRadioGroup, ElSelect,
  ElStep, ElSteps, ElTable, ElTableColumn, ElTag, ElTimeline, ElTimelineItem,
} from 'element-plus'
import 'element-plus/theme-chalk/base.css'
import 'element-plus/theme-chalk/el-alert.css'
import 'element-plus/theme-chalk/el-button.css'
import 'element-plus/theme-chalk/el-card.css'
import 'element-plus/theme-chalk/el-checkbox.css'
import 'element-plus/theme-chalk/el-checkbox-group.css'
import 'element-plus/theme-chalk/el-date-picker.css'
import 'element-plus/theme-chalk/el-dialog.css'
import 'element-plus/theme-chalk/el-drawer.css'
import 'element-plus/theme-chalk/el-dropdown.css'
import 'element-plus/theme-chalk/el-dropdown-item.css'
import 'element-plus/theme-chalk/el-dropdown-menu.css'
import 'element-plus/theme-chalk/el-overlay.css'
import 'element-plus/theme-chalk/el-form.css'
import 'element-plus/theme-chalk/el-form-item.css'
import 'element-plus/theme-chalk/el-input.css'
import 'element-plus/theme-chalk/el-input-number.css'
import 'element-plus/theme-chalk/el-option.css'
import 'element-plus/theme-chalk/el-pagination.css'
import 'element-plus/theme-chalk/el-progress.css'
import 'element-plus/theme-chalk/el-popper.css'
import 'element-plus/theme-chalk/el-radio.css'
import 'element-plus/theme-chalk/el-radio-button.css'
import 'element-plus/theme-chalk/el-radio-group.css'
import 'element-plus/theme-chalk/el-select.css'
import 'element-plus/theme-chalk/el-select-dropdown.css'
import 'element-plus/theme-chalk/el-scrollbar.css'
import 'element-plus/theme-chalk/el-tag.css'
import 'element-plus/theme-chalk/el-step.css'
import 'element-plus/theme-chalk/el-steps.css'
import 'element-plus/theme-chalk/el-table.css'
import 'element-plus/theme-chalk/el-table-column.css'
import 'element-plus/theme-chalk/el-timeline.css'
import 'element-plus/theme-chalk/el-timeline-item.css'
import 'element-plus/theme-chalk/el-message.css'
import 'element-plus/theme-chalk/el-badge.css'
import 'element-plus/theme-chalk/el-date-picker-panel.css'

const COMPONENTS = [
  ElAlert, ElButton, ElCard, ElCheckbox, ElCheckboxGroup, ElConfigProvider, ElDatePicker, ElDialog, ElDrawer, ElDropdown,
  ElDropdownItem, ElDropdownMenu, ElForm, ElFormItem, ElInput, ElInputNumber, ElOption, ElPagination, ElProgress, ElRadio, ElRadioButton, ElRadioGroup, ElSelect,
  ElStep, ElSteps, ElTable, ElTableColumn, ElTag, ElTimeline, ElTimelineItem,
]

/** The `el-…` tags these components register. A tag a view uses that is missing here renders as
 *  an unknown element, silently (`element.test.ts` fails on it). */
export function registeredTags(): Set<string> {
  return new Set(COMPONENTS.map((c) => (c.name ?? '').replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()))
}

export function useElement(app: App) {
  for (const c of COMPONENTS) app.use(c)
}
