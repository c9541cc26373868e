// The server's log: JSON lines through pino for `npm start`, plain console warnings when embedded.
import { pino } from 'pino'

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

/** Fields of one log line; never a token, a header or a URL query (they may hold secrets). */
export type LogFields = Record<string, string | number | boolean | null | undefined | string[]>

/** What the server writes its log through: a message plus fields. */
export interface ServerLog {
  error(fields: LogFields, message: string): void
  warn(fields: LogFields, message: string): void
  info(fields: LogFields, message: string): void
  debug(fields: LogFields, message: string): void
}

/**
 * The log of an embedded backend (`npm run dev`, tests): warnings and errors as plain console
 * text, nothing below. A production start passes jsonLog() instead.
 */
export const consoleLog: ServerLog = {
  error: (_fields, message) => console.error(message),
  warn: (_fields, message) => console.warn(message),
  info: () => {},
  debug: () => {},
}

/**
 * One JSON object per line on stdout (pino): `time` (ISO), `level` (its name), `msg`, and the
 * fields. Written synchronously, so nothing is lost when the process exits.
 */
export function jsonLog(level: LogLevel, destination: number = 1): ServerLog {
  const logger = pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ dest: destination, sync: true }),
  )
  return {
    error: (fields, message) => logger.error(fields, message),
    warn: (fields, message) => logger.warn(fields, message),
    info: (fields, message) => logger.info(fields, message),
    debug: (fields, message) => logger.debug(fields, message),
  }
}
