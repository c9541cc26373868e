// A production install runs the server: a copy of the repo, the server built to JavaScript,
// `npm ci --omit=dev` (no tsx, no Vite), `npm start`, and one published event read back over SSE.
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { samplePayload } from '../support/clientHarness.ts'
import { openSse, requestJson, type SseReader } from '../support/devBackend.ts'
import { spawnCommand, type ServerProcess } from '../hardening/node/serverProcess.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const TOKEN = 'install-test-publish-token'
let copy: string
let server: ServerProcess | undefined
let reader: SseReader | undefined

/** The files a clone would have: tracked ones, and new ones not ignored (as the next commit would). */
function copyRepo(to: string): void {
  const listed = execFileSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  )
  for (const file of listed.split('\0')) {
    if (file === '' || !existsSync(join(ROOT, file))) continue // deleted, not yet committed
    mkdirSync(dirname(join(to, file)), { recursive: true })
    copyFileSync(join(ROOT, file), join(to, file))
  }
}

beforeAll(async () => {
  copy = mkdtempSync(join(tmpdir(), 'rtm-install-'))
  copyRepo(copy)
  // The build step of `npm run build`, from the checkout that has the dev dependencies.
  execFileSync(
    process.execPath,
    [
      join(ROOT, 'node_modules/vite/bin/vite.js'),
      'build',
      '--config',
      'vite.server.config.ts',
      '--logLevel',
      'warn',
    ],
    {
      cwd: ROOT,
      env: { ...process.env, RTM_SERVER_OUT_DIR: join(copy, 'dist-server') },
      stdio: 'pipe',
    },
  )
  // The npm cache holds every package already; --prefer-offline keeps this quick and offline-safe.
  execFileSync('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: copy,
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: 'pipe',
  })
  server = await spawnCommand(
    'npm start',
    'npm',
    ['start', '--', '--host', '127.0.0.1', '--port', '0', '--publish-token', TOKEN],
    copy,
  )
}, 180_000)

afterAll(async () => {
  reader?.close()
  await server?.kill()
  if (copy) rmSync(copy, { recursive: true, force: true })
})

describe('a production install', () => {
  it('has no dev dependencies and starts from the built JavaScript', () => {
    expect(existsSync(join(copy, 'node_modules/tsx'))).toBe(false)
    expect(existsSync(join(copy, 'node_modules/vite'))).toBe(false)
    expect(existsSync(join(copy, 'node_modules/ioredis'))).toBe(true)
    const pkg = JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>
    }
    expect(pkg.scripts.start).toBe('node dist-server/main.js')
    expect(server?.alive()).toBe(true)
  })

  it('serves one published event end to end over SSE', async () => {
    const url = server?.url as string
    reader = await openSse(`${url}/api/v1/sse/alerts`)
    expect(reader.status).toBe(200)
    const stream = reader
    await stream.until(() => stream.events.some((event) => event.event === 'connected'), 10_000)
    const sample = samplePayload('alerts', 1)
    const answer = await requestJson(`${url}/api/v1/publish/alerts`, {
      body: sample.data,
      headers: { Authorization: `Bearer ${TOKEN}` },
    })
    expect(answer.status).toBe(200)
    const { id } = answer.body as { id: string }
    await stream.until(() => stream.events.some((event) => event.id === id), 10_000)
    const received = stream.events.find((event) => event.id === id)
    expect(received?.event).toBe('risk_alert')
    expect(JSON.parse(received?.data ?? 'null')).toEqual(sample.data)
  })
})
