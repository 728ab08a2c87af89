// main.js — starts the app: i18n, router, styles.
import { createApp } from 'vue'
import App from './App.vue'
import { i18n } from './i18n/index.js'
import { router } from './router.js'
import { setUnauthorizedHandler } from './api.js'
import { clearSession } from './session.js'
import './styles.css'

// A 401 on any call means the session ended (expired, revoked, disabled):
// go to the login page and come back afterwards.
setUnauthorizedHandler(() => {
  clearSession()
  const here = router.currentRoute.value
  if (here.name !== 'login') router.replace({ name: 'login', query: { redirect: here.fullPath } })
})

createApp(App).use(i18n).use(router).mount('#app')
