// Catches what the page "downloads" (a Blob behind an <a download> click) in jsdom.
import { vi } from 'vitest'

export interface Downloads {
  /** File names of the downloads, in order. */
  names: string[]
  /** The text of the n-th download (jsdom's Blob has no text(): read as a browser would). */
  text(n: number): Promise<string>
  restore(): void
}

export function captureDownloads(): Downloads {
  const blobs: Blob[] = []
  const names: string[] = []
  vi.stubGlobal(
    'URL',
    Object.assign(URL, {
      createObjectURL: (b: Blob) => (blobs.push(b), 'blob:x'),
      revokeObjectURL: () => undefined,
    }),
  )
  const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (
    this: HTMLAnchorElement,
  ) {
    names.push(this.download)
  })
  return {
    names,
    text: (n) =>
      new Promise<string>((resolve) => {
        const reader = new FileReader()
        reader.onload = () => resolve(String(reader.result))
        reader.readAsText(blobs[n] as Blob)
      }),
    restore() {
      click.mockRestore()
      vi.unstubAllGlobals()
    },
  }
}
