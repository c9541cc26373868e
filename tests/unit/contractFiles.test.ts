// The machine-readable contract: the checked-in JSON Schemas and docs/asyncapi.yaml are exactly
// what src/protocol/ generates, the YAML reads back as the same document, and the dev backend's
// own answers fit the schemas they came from.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as v from 'valibot'
import { afterEach, describe, expect, it } from 'vitest'
import { asyncApiDocument, contractFiles } from '../../scripts/contract.ts'
import { CHANNELS, CHANNEL_EVENT, validatePayload } from '../../src/protocol/contract.ts'
import {
  ConnectedSchema,
  HistoryPageSchema,
  StatusBodySchema,
} from '../../src/protocol/wireBodies.ts'
import {
  openSse,
  requestJson,
  startDevBackend,
  type DevBackendServer,
} from '../support/devBackend.ts'
import { ensurePythonDeps } from '../support/pythonBackend.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

describe('generated contract files', () => {
  it('are checked in exactly as npm run contract writes them', () => {
    const files = contractFiles()
    expect([...files.keys()]).toEqual(
      expect.arrayContaining([
        'docs/asyncapi.yaml',
        ...CHANNELS.map((channel) => `docs/schemas/${CHANNEL_EVENT[channel]}.json`),
        'docs/schemas/status.json',
        'docs/schemas/history.json',
      ]),
    )
    for (const [path, text] of files) {
      let onDisk = ''
      try {
        onDisk = readFileSync(`${ROOT}${path}`, 'utf8')
      } catch {
        // missing: reported below
      }
      expect(
        onDisk,
        `${path} differs from what src/protocol/ generates: run npm run contract`,
      ).toBe(text)
    }
  })

  it('docs/asyncapi.yaml reads back, with a real YAML parser, as the generated document', () => {
    ensurePythonDeps()
    const json = execFileSync(
      'python3',
      [
        '-c',
        'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))',
        `${ROOT}docs/asyncapi.yaml`,
      ],
      { env: { ...process.env, PYTHONPATH: `${ROOT}.pydeps` }, encoding: 'utf8' },
    )
    expect(JSON.parse(json)).toEqual(asyncApiDocument())
  })

  it("docs/asyncapi.yaml is valid AsyncAPI 3.0 by the specification's own JSON Schema", () => {
    ensurePythonDeps()
    const spec = `${ROOT}node_modules/@asyncapi/specs/schemas/3.0.0-without-$id.json`
    const check = [
      'import json, sys, yaml',
      'from jsonschema import Draft7Validator',
      'validator = Draft7Validator(json.load(open(sys.argv[1])))',
      'for path in sys.argv[2:]:',
      '    for e in validator.iter_errors(yaml.safe_load(open(path))):',
      '        print(path, "/".join(map(str, e.path)), e.message[:200])',
    ].join('\n')
    const run = (...files: string[]): string =>
      execFileSync('python3', ['-c', check, spec, ...files], {
        env: { ...process.env, PYTHONPATH: `${ROOT}.pydeps` },
        encoding: 'utf8',
      })
    expect(run(`${ROOT}docs/asyncapi.yaml`)).toBe('')
    // The check does find a broken document.
    const broken = join(mkdtempSync(join(tmpdir(), 'rtm-asyncapi-')), 'broken.yaml')
    writeFileSync(
      broken,
      readFileSync(`${ROOT}docs/asyncapi.yaml`, 'utf8').replace(/action: send/, 'action: push'),
    )
    expect(run(broken)).toMatch(/operations\/send_\w+/)
  })

  it('names every SSE event of the contract, with the payload of its channel', () => {
    const doc = asyncApiDocument() as {
      components: { messages: Record<string, { name: string; payload: unknown }> }
      channels: Record<string, { address: string }>
    }
    const names = new Set(Object.values(doc.components.messages).map((message) => message.name))
    for (const event of [...Object.values(CHANNEL_EVENT), 'connected', 'ping', 'reset']) {
      expect(names).toContain(event)
    }
    expect(Object.values(doc.channels).map((channel) => channel.address)).toEqual(
      expect.arrayContaining([
        '/api/v1/sse/status',
        '/api/v1/sse/stream',
        '/api/v1/sse/{channel}/history',
        ...CHANNELS.map((channel) => `/api/v1/sse/${channel}`),
      ]),
    )
    expect(doc.components.messages.risk_alert?.payload).toEqual({
      $ref: '#/components/schemas/risk_alert',
    })
  })

  it('describes the status field data as live or demo', () => {
    const schema = JSON.parse(readFileSync(`${ROOT}docs/schemas/status.json`, 'utf8')) as {
      properties: Record<string, unknown>
      required: string[]
    }
    expect(schema.properties.data).toEqual({
      type: 'string',
      enum: ['live', 'demo'],
      description: 'demo: the server runs its simulator; events are invented',
    })
    expect(schema.required).toEqual(['status'])
  })
})

describe('the dev backend against the contract schemas', () => {
  let server: DevBackendServer | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  it('sends a status, a connected event, payloads and a history page that fit them', async () => {
    server = await startDevBackend({ simulate: false })
    const status = await requestJson(`${server.url}/api/v1/sse/status`)
    expect(v.safeParse(StatusBodySchema, status.body).issues).toBeUndefined()

    const stream = await openSse(`${server.url}/api/v1/sse/alerts`)
    await stream.until(() => stream.events.some((event) => event.event === 'connected'))
    const connected = stream.events.find((event) => event.event === 'connected')
    expect(v.safeParse(ConnectedSchema, JSON.parse(connected?.data ?? '')).issues).toBeUndefined()
    server.backend.emit('alerts', 'risk_alert', {
      alert_id: 'a-1',
      timestamp: new Date().toISOString(),
      severity: 'warning',
      category: 'exposure',
      message: 'Gross exposure 93% above target 90%',
    })
    await stream.until(() => stream.events.some((event) => event.event === 'risk_alert'))
    stream.close()
    const alert = stream.events.find((event) => event.event === 'risk_alert')
    expect(validatePayload('risk_alert', JSON.parse(alert?.data ?? '')).ok).toBe(true)

    const history = await requestJson(`${server.url}/api/v1/sse/alerts/history`)
    expect(v.safeParse(HistoryPageSchema, history.body).issues).toBeUndefined()
    expect((history.body as { events: unknown[] }).events).toHaveLength(1)
  })
})
