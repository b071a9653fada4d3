import { createApp } from 'vue'
import ElementPlus from 'element-plus'
import 'element-plus/dist/index.css'
import './styles.css'
import App from './App.vue'
import { i18n, currentLocale, setLocale } from './i18n'

setLocale(currentLocale())
createApp(App).use(i18n).use(ElementPlus).mount('#app')
