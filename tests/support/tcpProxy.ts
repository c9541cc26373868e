// Test helper: a loopback TCP proxy (a stand-in load balancer) whose target can be switched.
import { connect, createServer, type Socket } from 'node:net'

export interface TcpProxy {
  url: string
  /** Sends new connections to this port from now on. */
  target(port: number): void
  /** Cuts every connection through the proxy (as a dying instance would). */
  cut(): void
  /**
   * Stops passing the servers' bytes on: they queue in the proxy and the socket buffers, as on a
   * congested link or behind a reader too slow to keep up. The server goes on sending meanwhile.
   */
  freeze(): void
  /** Passes the queued bytes and what follows on again. */
  thaw(): void
  close(): Promise<void>
}

export async function startTcpProxy(port: number): Promise<TcpProxy> {
  let targetPort = port
  /** Each open connection: the upstream socket and the client it answers. */
  const pairs = new Map<Socket, Socket>()
  const destroyAll = (): void => {
    for (const [upstream, client] of pairs) {
      upstream.destroy()
      client.destroy()
    }
    pairs.clear()
  }
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1')
    pairs.set(upstream, client)
    const drop = (): void => {
      client.destroy()
      upstream.destroy()
      pairs.delete(upstream)
    }
    client.on('error', drop).on('close', drop)
    upstream.on('error', drop).on('close', drop)
    client.pipe(upstream)
    upstream.pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const own = typeof address === 'object' && address !== null ? address.port : 0
  return {
    url: `http://127.0.0.1:${own}`,
    target: (next) => void (targetPort = next),
    cut: destroyAll,
    freeze() {
      for (const [upstream, client] of pairs) {
        upstream.unpipe(client)
        upstream.pause()
      }
    },
    thaw() {
      for (const [upstream, client] of pairs) upstream.pipe(client)
    },
    async close() {
      destroyAll()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
