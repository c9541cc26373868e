import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import ShortcutHelp from '@/components/ShortcutHelp.vue'
import { useShortcuts } from '@/composables/useShortcuts'

enableAutoUnmount(afterEach)

function press(key: string, target: EventTarget = document.body, init: KeyboardEventInit = {}) {
  target.dispatchEvent(
    new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, ...init }),
  )
}

describe('keyboard shortcuts', () => {
  it('runs a single-key shortcut, not while typing in a field or with a modifier', () => {
    const run = vi.fn()
    const Host = defineComponent({
      setup() {
        useShortcuts([{ key: 'p', description: 'Pause', run }])
        return () => h('div', [h('input', { type: 'text' }), h('input', { type: 'checkbox' })])
      },
    })
    const wrapper = mount(Host, { attachTo: document.body })
    press('p')
    expect(run).toHaveBeenCalledTimes(1)
    press('p', wrapper.get('input[type="text"]').element)
    press('p', document.body, { ctrlKey: true })
    expect(run).toHaveBeenCalledTimes(1)
    press('p', wrapper.get('input[type="checkbox"]').element)
    expect(run).toHaveBeenCalledTimes(2)
  })

  it('the help lists every shortcut and closes', async () => {
    const shortcuts = [
      { key: 'p', description: 'Pause or resume live drawing' },
      { key: 'd', description: 'Open or close diagnostics' },
      { key: 'a', description: 'Acknowledge the focused alert' },
      { key: '?', description: 'Show this help' },
    ]
    const wrapper = mount(ShortcutHelp, { props: { shortcuts }, attachTo: document.body })
    await flushPromises()
    const rows = wrapper
      .findAll('.help__row')
      .map((r) => `${r.get('dt').text()} ${r.get('dd').text()}`)
    for (const s of shortcuts) expect(rows).toContain(`${s.key} ${s.description}`)
    await wrapper.get('button').trigger('click')
    expect(wrapper.emitted('close')).toHaveLength(1)
  })
})
