import { chromium, type Browser, type Page } from 'playwright-core'

/** Debian's chromium (scripts/install-system-deps.sh installs it); playwright downloads no browser here. */
export const CHROMIUM = '/usr/bin/chromium'

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 30_000,
  })
}

/** What a page did while loading: console errors, uncaught exceptions, and every request it tried. */
export interface PageLog {
  errors: string[]
  requests: string[]
}

/**
 * Opens a file URL with the network cut off: anything but file: is aborted
 * (and recorded), so a report that needs the network fails visibly.
 */
export async function openOffline(page: Page, url: string): Promise<PageLog> {
  const log: PageLog = { errors: [], requests: [] }
  page.on('console', (msg) => { if (msg.type() === 'error') log.errors.push(msg.text()) })
  page.on('pageerror', (err) => log.errors.push(String(err)))
  await page.route('**', (route) => {
    const u = route.request().url()
    log.requests.push(u)
    return u.startsWith('file:') ? route.continue() : route.abort()
  })
  await page.goto(url, { waitUntil: 'load', timeout: 30_000 })
  return log
}
