import { pino, type Logger } from 'pino'

export type { Logger }
export type LogLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug'

/**
 * Structured JSON lines on stderr. Quiet by default (warnings only); `info`
 * adds one line per connection event, rejection and disconnect, each with a
 * machine-readable `reason`.
 */
export function createLogger(level: LogLevel = 'warn', destination: NodeJS.WritableStream = process.stderr): Logger {
  return pino({ level, base: { component: 'reference-broker' }, timestamp: pino.stdTimeFunctions.isoTime }, destination as unknown as pino.DestinationStream)
}
