// `npm run publish`: the command-line producer against a running backend (in memory here).
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { samplePayload } from '../support/clientHarness.ts'
import { startDevBackend, type DevBackendServer } from '../support/devBackend.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
let server: DevBackendServer | undefined

afterEach(async () => {
  await server?.close()
  server = undefined
})

function run(args: string[], env: Record<string, string>, input = '') {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/publishCli.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(input)
  })
}

describe('publish CLI', () => {
  it('publishes a payload, one per stdin line, and explains rejections', async () => {
    server = await startDevBackend({ simulate: false, publishToken: 'secret' })
    const env = { RTM_URL: server.url, RTM_PUBLISH_TOKEN: 'secret' }
    const alert = JSON.stringify(samplePayload('alerts', 1).data)
    const ok = await run(['alerts', alert], env)
    expect(ok).toMatchObject({ code: 0, stdout: '1\n' })

    const lines = [2, 3].map((n) => JSON.stringify(samplePayload('training', n).data)).join('\n')
    const piped = await run(['training', '-'], env, `${lines}\n`)
    expect(piped).toMatchObject({ code: 0, stdout: '2\n3\n' })

    const bad = await run(
      ['alerts', JSON.stringify({ ...samplePayload('alerts', 4).data, severity: 9 })],
      env,
    )
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/HTTP 400 invalid_payload: severity: /)
    const noToken = await run(['alerts', alert], { RTM_URL: server.url, RTM_PUBLISH_TOKEN: '' })
    expect(noToken.code).toBe(1)
    expect(noToken.stderr).toMatch(/HTTP 401/)
    const usage = await run(['nope', '{}'], env)
    expect(usage.code).toBe(2)
    expect(usage.stderr).toMatch(/unknown channel "nope"/)
  }, 30_000)
})
