// The realtime page's chunk: the view and the feeds that fill its stores. main.ts asks for it as the
// page starts and feeds the channels before the first render; the router shows the view.
export { default as RealtimeView } from './RealtimeView.vue'
export { useChannelFeeds } from '@/composables/useChannelFeeds'
