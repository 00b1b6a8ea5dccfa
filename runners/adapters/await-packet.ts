import { ExpectationFailure } from '../errors.js'
import type { Inbox, InboxEntry } from './inbox.js'
import type { NormalPacket } from './normalize-packet.js'

/** Why a wait for a server packet ended without it, in words for the report. */
export function whyNothing(inbox: Inbox, what: string, timeoutMs: number): string {
  if (inbox.protocolError) return `no ${what}: the server sent bytes that are not a valid MQTT packet (${inbox.protocolError})`
  const c = inbox.closed
  if (c) {
    const d = c.disconnect
    const disc = d ? ` after DISCONNECT reason 0x${Number(d.reasonCode ?? 0).toString(16)}${(d.properties as { reasonString?: string } | undefined)?.reasonString ? ` "${(d.properties as { reasonString: string }).reasonString}"` : ''}` : ''
    return `no ${what}: the server closed the connection${disc}${c.error ? ` (${c.error})` : ''}`
  }
  return `no ${what} within ${timeoutMs} ms`
}

/**
 * Waits for the first unconsumed packet matching `match` on the current
 * connection, consumes it and returns it. Fails (the broker's fault) when the
 * connection closes first, the server sends garbage, or the deadline passes.
 */
export async function awaitPacket(
  inbox: Inbox,
  match: (p: NormalPacket) => boolean,
  what: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<NormalPacket> {
  const found = await inbox.waitFor<InboxEntry | null>(() => {
    const e = inbox.entries.find((x) => !x.consumed && x.connection === inbox.connection && match(x.packet))
    if (e) return e
    if (inbox.closed || inbox.protocolError) return null
    return undefined
  }, timeoutMs, signal)
  if (!found) throw new ExpectationFailure(whyNothing(inbox, what, timeoutMs), what, inbox.pending().slice(-5).map((e) => e.packet))
  found.consumed = true
  return found.packet
}
