import { readFile, stat, writeFile } from 'node:fs/promises'
import { loadAbortSchema, type LoadAbort } from '../../spec/index.js'

/** How often each shard looks at the stop file. */
const STOP_FILE_POLL_MS = 1000

/**
 * The shards' shared stop file (a path on the volume every pod mounts): the
 * shard whose abortOnFail threshold fires writes its abort (JSON) there;
 * every shard reads it once a second and stops its plan when it appears. A
 * file older than this process's start is from an earlier run: it is
 * ignored, with a warning.
 */
export function watchStopFile(file: string, processStartMs: number) {
  let handler: ((a: LoadAbort) => void) | undefined
  let seen = false
  let closed = false
  const warnings: string[] = []
  const poll = async () => {
    if (seen || closed) return
    try {
      const st = await stat(file)
      if (st.mtimeMs < processStartMs - 1000) {
        seen = true
        warnings.push(`stop file ${file} predates this run (left by an earlier one?): ignored`)
        return
      }
      const parsed = loadAbortSchema.safeParse(JSON.parse(await readFile(file, 'utf8')))
      if (!parsed.success) return // half-written: read again next time
      seen = true
      handler?.(parsed.data)
    } catch {
      // Not there (yet), or half-written: look again next time.
    }
  }
  const timer = setInterval(() => void poll(), STOP_FILE_POLL_MS)
  return {
    warnings,
    /** What to do when another shard's abort appears. */
    onStop(fn: (a: LoadAbort) => void) { handler = fn },
    /** This shard's threshold fired: tell the others. */
    announce(a: LoadAbort) {
      seen = true
      void writeFile(file, JSON.stringify(a) + '\n').catch((err: Error) => warnings.push(`could not write the stop file ${file}: ${err.message}`))
    },
    close() { closed = true; clearInterval(timer) },
  }
}
