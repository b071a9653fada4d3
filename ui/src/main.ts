import { createApp } from 'vue'
import { useElement } from './plugins/element'
import './styles.css'
import App from './App.vue'
import { i18n, currentLocale, setLocale } from './i18n'
import { removeOldDrafts } from './lib/drafts'

// Drafts of earlier versions sat in the clear in the webview's storage: gone before any form opens.
removeOldDrafts()
setLocale(currentLocale())
const app = createApp(App)
useElement(app)
app.use(i18n).mount('#app')
