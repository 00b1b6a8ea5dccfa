import { FrameDecoder, encode, peekPublish, type ProtocolVersion } from './mqtt-codec.js'
import { ByteBudget } from './byte-budget.js'
import { FrameFifo } from './fifo.js'
import { StallWatch, type Stall } from './stall-watch.js'
import { DropTally } from './drop-tally.js'
import { headOf, joinFrame, type OutFrame } from './split-frame.js'

/** Dropped messages are reported as one summary per reason per second (drop-tally.ts). */
const DROP_SUMMARY_MS = 1000

/** The connection's publishes-per-second window, inbound and outbound together [LIM-PUB-RATE-100] (rate-limiter.ts). */
export interface PublishRate {
  /** Records a publish if the window has room; returns whether it did. */
  tryTake(): boolean
  /** Milliseconds until the window has room. */
  waitMs(): number
}

/** 999 ms or less left is 0; 1000..1999 ms is 1 [MEI-ZERO-ROUNDING]. */
const wholeSecondsLeft = (leftMs: number): number => Math.floor(leftMs / 1000)

export interface ShaperOptions {
  /** Unacknowledged QoS 1 PUBLISHes allowed towards the client [QOS1-INFLIGHT-100]. */
  inflightMaximum: number
  /** Stored messages released per second after a resumed session [PS-REPLAY-RATE]; 0 = no pacing. */
  replayRatePerSecond: number
  /** The `expiry-not-decremented` deviation: replay messages with their original expiry. */
  keepOriginalExpiry?: boolean
  /** The whole seconds a queued message with `leftMs` left is delivered with; default rounded down [MEI-ZERO-ROUNDING]. */
  remainingSeconds?: (leftMs: number) => number
  /** Bytes buffered towards the client above which QoS 0 deliveries are dropped. */
  softBytes: number
  /** Bytes buffered towards the client above which it is disconnected as a slow consumer. */
  hardBytes: number
  /** Time above softBytes without progress after which it is disconnected as a slow consumer (stall-watch.ts); 0 = never. */
  stallMs?: number
  /** The client's own Maximum Packet Size (MQTT 5), if it sent one. */
  clientMaximumPacketSize?: number
  /** PUBLISH bytes per second towards the client [LIM-THROUGHPUT-512KIB]; 0 or absent = unlimited. */
  throughputBytesPerSecond?: number
  version: ProtocolVersion
  /** A split frame's payload is shared with other clients: write its pieces, never modify them. */
  write: (frame: OutFrame) => void
  bufferedBytes: () => number
  /** Bytes the client has taken from its socket so far (grows only while it reads). */
  bytesTaken?: () => number
  /** Tells aedes a QoS 1 message is done (dropped or expired) so it leaves its in-flight state. */
  injectPuback: (messageId: number) => void
  /** The client is cut off: over hardBytes (no stall), or over softBytes without progress for stallMs. */
  onSlowConsumer: (why: SlowConsumer) => void
  /** Messages not delivered: one call per reason per second with how many (never one per message). */
  onDrop: (reason: string, count: number) => void
  /**
   * [LIM-PUB-RATE-100] The connection's publish window: a delivery it has no room for is dropped
   * (QoS 0) or delayed until it has (QoS 1). Absent: deliveries are not limited.
   */
  publishRate?: PublishRate
}

/** Why a client is cut off as a slow consumer. */
export type SlowConsumer = { rule: 'hard-bytes'; backlogBytes: number } | ({ rule: 'stalled' } & Stall)

interface Queued {
  frame: Buffer
  at: number
}

/**
 * Shapes PUBLISH frames on their way from aedes to one client: caps in-flight
 * QoS 1 messages, paces the replay of stored messages after a resumed session,
 * holds PUBLISHes above the connection's bytes per second back until the budget
 * refills, keeps deliveries within the connection's publishes per second (QoS 0
 * above it dropped, QoS 1 delayed), honours the client's Maximum Packet Size and drops QoS 0 for a reader
 * that stopped reading (frames held for the byte budget or for an in-flight slot
 * count as buffered).
 * aedes never waits on this client, so one slow reader cannot stall delivery to
 * the others (aedes defect 7), and the client's own Receive Maximum and Maximum
 * Packet Size hold for outbound traffic (aedes defect 4; docs/aedes-defects.md).
 */
export class OutboundShaper {
  private readonly inflight = new Set<number>()
  private readonly held = new FrameFifo()
  private readonly replay: Queued[] = []
  private replayPhase = false
  /** Between a session-present CONNACK and clientReady (stored messages), paced or not. */
  private storedPhase = false
  private replayTimer: NodeJS.Timeout | null = null
  private lastReplayAt = 0
  private closed = false
  private readonly decoder: FrameDecoder
  /** Absolute Message Expiry (ms since the epoch) of stored messages aedes is sending, by packet id. */
  private readonly expiries = new Map<number, number>()
  /** [LIM-THROUGHPUT-512KIB] PUBLISH bytes towards the client; null = unlimited. */
  private readonly budget: ByteBudget | null
  /** Frames (already admitted in flight) waiting for the byte budget or the publish rate, in order. */
  private readonly paced = new FrameFifo()
  /** Set while the byte budget is in debt or a QoS 1 delivery waits for the publish rate; every frame waits behind it. */
  private paceTimer: NodeJS.Timeout | null = null
  /** PUBACKs received: progress for the stall rule along with the bytes the client takes. */
  private acks = 0
  private readonly stall: StallWatch
  private readonly drops: DropTally

  constructor(private readonly opts: ShaperOptions) {
    this.decoder = new FrameDecoder(opts.version)
    this.budget = opts.throughputBytesPerSecond ? new ByteBudget(opts.throughputBytesPerSecond) : null
    this.drops = new DropTally(DROP_SUMMARY_MS, (reason, count) => opts.onDrop(reason, count))
    this.stall = new StallWatch({
      softBytes: opts.softBytes,
      stallMs: opts.stallMs ?? 0,
      backlog: () => this.backlogBytes(),
      progress: () => (opts.bytesTaken?.() ?? 0) + this.acks,
      onStalled: (stall) => this.cutOff({ rule: 'stalled', ...stall }),
    })
  }

  private cutOff(why: SlowConsumer): void {
    if (this.closed) return
    this.opts.onSlowConsumer(why)
  }

  /** Over the hard limit: cut off at once; over the soft limit: the stall rule watches. */
  private checkBacklog(): boolean {
    const backlogBytes = this.backlogBytes()
    if (backlogBytes > this.opts.hardBytes) {
      this.cutOff({ rule: 'hard-bytes', backlogBytes })
      return true
    }
    if (backlogBytes > this.opts.softBytes) this.stall.check()
    return false
  }

  /** Messages written between a session-present CONNACK and aedes' clientReady are the stored backlog. */
  startReplay(): void {
    this.storedPhase = true
    if (this.opts.replayRatePerSecond > 0) this.replayPhase = true
  }

  endReplayPhase(): void {
    this.replayPhase = false
    this.storedPhase = false
  }

  get inflightCount(): number {
    return this.inflight.size
  }

  /** The absolute expiry of the stored message aedes is about to send with this packet id. */
  noteExpiry(messageId: number, expiresAt: number): void {
    this.expiries.set(messageId, expiresAt)
  }

  /** Registers an in-flight QoS 1 id the gate sent itself (direct messages). */
  trackInflight(messageId: number): void {
    this.inflight.add(messageId)
  }

  publish(frame: OutFrame): void {
    if (this.closed) return
    const { qos, messageId } = peekPublish(headOf(frame))
    const max = this.opts.clientMaximumPacketSize
    if (max !== undefined && frame.length > max) {
      // [MQTT-3.1.2-25] never send a packet larger than the client accepts.
      this.drops.add('exceeds client maximum packet size')
      if (messageId !== undefined) this.opts.injectPuback(messageId)
      return
    }
    if (this.replayPhase) {
      this.replay.push({ frame: joinFrame(frame), at: Date.now() })
      this.scheduleReplay()
      return
    }
    if (this.storedPhase) {
      // Unpaced replay: stored messages still carry exactly what is left of their expiry.
      const shaped = this.withRemainingExpiry({ frame: joinFrame(frame), at: Date.now() })
      if (!shaped) {
        this.drops.add('message expired while queued')
        if (messageId !== undefined) this.opts.injectPuback(messageId)
        return
      }
      frame = shaped
    }
    this.send(frame, qos, messageId)
  }

  /** Live QoS 0 deliveries are dropped now: the client is over the soft limit. */
  overSoftLimit(): boolean {
    return !this.closed && !this.replayPhase && !this.storedPhase && this.backlogBytes() > this.opts.softBytes
  }

  /** Drops one QoS 0 delivery for a reader over the soft limit (counted, and the stall rule watches). */
  dropQos0(): true {
    this.drops.add('slow consumer: QoS 0 dropped')
    this.stall.check()
    return true
  }

  private send(frame: OutFrame, qos: number, messageId: number | undefined): void {
    if (qos > 0 && messageId !== undefined) {
      if (this.inflight.size >= this.opts.inflightMaximum) {
        // Held for a free in-flight slot: counts towards the slow-consumer limit, so a client
        // that stops acknowledging cannot make the broker hold an unbounded backlog.
        this.held.push(frame)
        this.checkBacklog()
        return
      }
      this.inflight.add(messageId)
    } else if (this.backlogBytes() > this.opts.softBytes) {
      this.dropQos0()
      return
    }
    if (this.paceTimer === null) {
      const rate = this.takeRate(qos)
      if (rate === 'go') return this.write(frame)
      if (rate === 'dropped') return
    }
    // [LIM-THROUGHPUT-512KIB] over the byte budget, or [LIM-PUB-RATE-100] a QoS 1 delivery over the
    // publish rate: delayed, in order, never dropped.
    this.paced.push(frame)
    if (this.paceTimer === null) this.schedulePaced(this.opts.publishRate!.waitMs())
    this.checkBacklog()
  }

  /**
   * [LIM-PUB-RATE-100] A delivery counts against the connection's publishes per second (its own
   * publishes count too): without room in the window a QoS 0 one is dropped and a QoS 1 one waits.
   */
  private takeRate(qos: number): 'go' | 'dropped' | 'wait' {
    const rate = this.opts.publishRate
    if (!rate || rate.tryTake()) return 'go'
    if (qos > 0) return 'wait'
    this.drops.add('publish rate: QoS 0 dropped')
    return 'dropped'
  }

  private write(frame: OutFrame): void {
    this.opts.write(frame)
    if (this.checkBacklog()) return
    if (this.budget !== null && !this.budget.take(frame.length)) this.schedulePaced(this.budget.waitMs())
  }

  private schedulePaced(waitMs: number): void {
    if (this.paceTimer !== null || this.closed) return
    this.paceTimer = setTimeout(() => this.releasePaced(), Math.max(1, waitMs))
  }

  /** What waits for this client: in the socket, for the byte budget, and for an in-flight slot. */
  private backlogBytes(): number {
    return this.opts.bufferedBytes() + this.paced.bytes + this.held.bytes
  }

  /** The byte budget's debt is paid or the publish window has room: send what waited, until either stops it again. */
  private releasePaced(): void {
    this.paceTimer = null
    while (!this.closed && this.paceTimer === null && this.paced.length > 0) {
      const rate = this.takeRate(peekPublish(headOf(this.paced.peek()!)).qos)
      if (rate === 'wait') return this.schedulePaced(this.opts.publishRate!.waitMs())
      const frame = this.paced.shift()!
      if (rate === 'go') this.write(frame)
    }
  }

  /** A PUBACK from the client frees an in-flight slot. Returns whether the id was in flight. */
  acked(messageId: number): boolean {
    const had = this.inflight.delete(messageId)
    this.acks++
    this.expiries.delete(messageId)
    this.releaseHeld()
    if (this.replay.length > 0) this.scheduleReplay()
    return had
  }

  private releaseHeld(): void {
    while (!this.closed && this.held.length > 0 && this.inflight.size < this.opts.inflightMaximum) {
      const frame = this.held.shift()!
      const { qos, messageId } = peekPublish(headOf(frame))
      this.send(frame, qos, messageId)
    }
  }

  private scheduleReplay(): void {
    if (this.replayTimer || this.closed || this.replay.length === 0) return
    const interval = 1000 / this.opts.replayRatePerSecond
    const wait = Math.max(0, this.lastReplayAt + interval - Date.now())
    this.replayTimer = setTimeout(() => {
      this.replayTimer = null
      this.releaseOneReplay()
    }, wait)
  }

  private releaseOneReplay(): void {
    if (this.closed) return
    const item = this.replay[0]
    if (!item) return
    const { qos, messageId } = peekPublish(item.frame)
    if (qos > 0 && this.inflight.size >= this.opts.inflightMaximum) return // resumes on the next PUBACK
    this.replay.shift()
    const frame = this.withRemainingExpiry(item)
    if (frame) {
      this.lastReplayAt = Date.now()
      this.send(frame, qos, messageId)
    } else {
      // [PS-MEI-EXPIRED-NOT-DELIVERED] counted whatever its QoS, as on the unpaced path; a QoS 1
      // message's packet id is released.
      this.drops.add('message expired while queued')
      if (messageId !== undefined) this.opts.injectPuback(messageId)
    }
    this.scheduleReplay()
  }

  /**
   * The Message Expiry Interval a delivered queued message carries is what is
   * left of it [MEI-REMAINING]; 999 ms or less left means 0 [MEI-ZERO-ROUNDING];
   * nothing left means the message is not delivered. Returns null when expired.
   */
  private withRemainingExpiry(item: Queued): Buffer | null {
    if (this.opts.version !== 5 || this.opts.keepOriginalExpiry) return item.frame
    const packet = this.decoder.decode(item.frame) as { qos: number; dup: boolean; properties?: { messageExpiryInterval?: number } }
    const mei = packet.properties?.messageExpiryInterval
    if (mei === undefined) return item.frame
    // A QoS 2 PUBLISH sent before (re-sent with DUP 1) is past expiry: its interval says what was left (sent-qos2-expiry.ts) [MQTT5-4.3.3-7].
    if (packet.qos === 2 && packet.dup) return item.frame
    // aedes rounds the interval it sets up to whole seconds; the absolute expiry, when known,
    // gives the exact time left (so under a second left is 0, never 1).
    const messageId = (packet as { messageId?: number }).messageId
    const expiresAt = messageId === undefined ? undefined : this.expiries.get(messageId)
    if (messageId !== undefined) this.expiries.delete(messageId)
    const leftMs = expiresAt !== undefined ? expiresAt - Date.now() : mei * 1000 - (Date.now() - item.at)
    if (leftMs <= 0) return null
    packet.properties!.messageExpiryInterval = (this.opts.remainingSeconds ?? wholeSecondsLeft)(leftMs)
    return encode(packet, 5)
  }

  close(): void {
    this.closed = true
    this.stall.close()
    this.drops.flush()
    if (this.replayTimer) clearTimeout(this.replayTimer)
    this.replayTimer = null
    if (this.paceTimer) clearTimeout(this.paceTimer)
    this.paceTimer = null
    this.held.clear()
    this.paced.clear()
    this.replay.length = 0
    this.expiries.clear()
  }
}
