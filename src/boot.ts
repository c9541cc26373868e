// The page's first script (index.html runs it before main.ts): starts the two things the first paint
// waits on — config.json and the realtime engine's worker — while the app's own chunk still loads.
// Its two small imports are all it loads, so it runs as soon as the HTML is parsed.
import { requestConfigEarly } from './config/configRequest'
import { startSharedEngine } from './realtime/sharedEngine'

requestConfigEarly()
startSharedEngine()
