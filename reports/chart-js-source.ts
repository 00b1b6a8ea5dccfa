import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

let cached: Promise<string> | undefined

/**
 * The text of Chart.js' UMD build (it defines `window.Chart`), to inline in
 * the HTML report so it opens with no network. The package's exports do not
 * list the UMD file, so it is found beside the resolved CommonJS entry.
 */
export function readChartJsSource(): Promise<string> {
  cached ??= (async () => {
    const require = createRequire(import.meta.url)
    const file = join(dirname(require.resolve('chart.js')), 'chart.umd.js')
    return readFile(file, 'utf8')
  })().catch((err: unknown) => {
    cached = undefined // a later call may succeed (e.g. after npm ci)
    throw err
  })
  return cached
}
