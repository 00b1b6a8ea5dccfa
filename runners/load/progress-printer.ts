import type { LoadProgress } from './load-progress.js'

export interface ProgressPrinterOptions {
  stream?: NodeJS.WritableStream & { isTTY?: boolean }
  /** Plain-line interval when the stream is not a terminal (default 5 s). */
  plainIntervalMs?: number
}

/** One line describing a progress snapshot: `[12s] running devices 2000/2000 planned 1200 ...`. */
function formatProgress(p: LoadProgress, elapsedMs: number): string {
  const outcomes = Object.entries(p.outcomes).map(([k, v]) => `${k} ${v}`).join(' ')
  return `[${Math.round(elapsedMs / 1000)}s] ${p.phase.padEnd(11)} devices ${p.connected}/${p.devices}  planned ${p.planned}  sent ${p.sent}  notSent ${p.notSent}  ${outcomes}  in-flight ${p.inFlight}  received ${p.received}`
}

/**
 * Live progress: one line rewritten in place about once a second on a
 * terminal; plain lines every few seconds otherwise (CI logs).
 */
export function createProgressPrinter(opts: ProgressPrinterOptions = {}) {
  const stream = opts.stream ?? process.stderr
  const tty = stream.isTTY === true
  const interval = tty ? 1000 : (opts.plainIntervalMs ?? 5000)
  const start = performance.now()
  let last = -Infinity
  let latest: LoadProgress | undefined
  let drawn = false
  return {
    update(p: LoadProgress): void {
      latest = p
      const now = performance.now()
      if (now - last < interval - 50) return
      last = now
      const line = formatProgress(p, now - start)
      if (tty) { stream.write(`\r\x1b[2K${line}`); drawn = true } else stream.write(line + '\n')
    },
    /** Ends the live line (prints the last state once more on a terminal). */
    done(): void {
      if (tty && drawn) stream.write(`\r\x1b[2K${latest ? formatProgress(latest, performance.now() - start) : ''}\n`)
    },
  }
}
