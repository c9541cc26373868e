// Baseline (c), the fair one: @vueuse/core useEventSource per channel, each message validated and
// queued, the queue applied to the same stores once per animation frame with the app's own
// batcher (see shared/vueusePage.ts).
import { mountVueUsePage } from './shared/vueusePage'

mountVueUsePage(true)
