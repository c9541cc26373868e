// Routes: the realtime page is the app; it loads in its own chunk.
import { createRouter, createWebHistory, type Router } from 'vue-router'

/** The realtime page's chunk: asked for at start, while config.json loads, not after it. */
export const loadRealtimePage = () => import('@/views/market/realtimePage')

export function createAppRouter(base: string = import.meta.env.BASE_URL): Router {
  return createRouter({
    history: createWebHistory(base),
    routes: [
      { path: '/', redirect: '/market/realtime' },
      {
        path: '/market/realtime',
        name: 'market-realtime',
        component: () => loadRealtimePage().then((page) => page.RealtimeView),
        meta: { title: 'Realtime Monitor' },
      },
      {
        path: '/:pathMatch(.*)*',
        name: 'not-found',
        component: () => import('@/views/NotFoundView.vue'),
      },
    ],
  })
}
