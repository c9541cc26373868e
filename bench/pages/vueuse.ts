// Baseline (b): @vueuse/core useEventSource per channel, each message validated, applied to the
// same stores and published at once (see shared/vueusePage.ts).
import { mountVueUsePage } from './shared/vueusePage'

mountVueUsePage(false)
