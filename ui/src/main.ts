import { createApp } from 'vue'
import { useElement } from './plugins/element'
import './styles.css'
import App from './App.vue'
import { i18n, currentLocale, setLocale } from './i18n'

setLocale(currentLocale())
const app = createApp(App)
useElement(app)
app.use(i18n).mount('#app')
