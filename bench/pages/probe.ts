// Injected before the real app's own scripts (Playwright init script): the recorder on its debug hook.
import './shared/frameFlag'
import { listenToAppliedIds } from './shared/appliedIdSink'
import { Recorder, exposeBench } from './shared/recorder'

const recorder = new Recorder()
listenToAppliedIds(recorder)
// The portfolio's equity is the first figure of the dashboard panel.
recorder.watchFirstShown('[data-testid="kpi-equity"]')
// The app's connection state is not reachable from outside; the runner waits for a live event instead.
exposeBench(recorder, () => true)
