import type { Aedes } from 'aedes'
import type { WireGate } from './wire-gate.js'
import { matches } from './topic-rules.js'

interface Member {
  gate: WireGate
  qos: number
}

interface Group {
  filter: string
  members: Map<string, Member>
  handler: (packet: any, cb: () => void) => void
}

/** What the registry needs to hand a message to one member. */
export interface MemberDelivery {
  deliver(gate: WireGate, message: { topic: string; payload: Buffer; qos: number; properties?: Record<string, unknown> }): void
}

/**
 * `$share/{group}/{filter}` subscriptions: each message on a matching topic
 * goes to exactly one connected member of each group, chosen at random
 * [SHARE-ONE-PER-GROUP] [SHARE-MULTI-GROUP-COPIES]; members never get retained
 * messages on subscribe [RET-SHARED-NO-RETAINED].
 */
export class SharedSubscriptions {
  private readonly groups = new Map<string, Group>()

  constructor(private readonly aedes: Aedes, private readonly hashMatchesParent: boolean, private readonly fanout: boolean, private readonly delivery: MemberDelivery) {}

  subscribe(gate: WireGate, group: string, filter: string, qos: number): void {
    const key = `${group}\u0000${filter}`
    let g = this.groups.get(key)
    if (!g) {
      const created: Group = { filter, members: new Map(), handler: (packet, cb) => { this.route(created, packet); cb() } }
      g = created
      this.groups.set(key, g)
      this.aedes.subscribe(filter, g.handler, () => {})
    }
    g.members.set(gate.id, { gate, qos })
  }

  unsubscribe(gate: WireGate, group: string, filter: string): void {
    const key = `${group}\u0000${filter}`
    const g = this.groups.get(key)
    if (!g) return
    g.members.delete(gate.id)
    if (g.members.size === 0) {
      this.groups.delete(key)
      this.aedes.unsubscribe(filter, g.handler, () => {})
    }
  }

  private route(group: Group, packet: { topic: string; payload: Buffer; qos: number; properties?: Record<string, unknown> }): void {
    if (packet.topic.startsWith('$SYS')) return
    if (!matches(group.filter, packet.topic, this.hashMatchesParent)) return
    const online = [...group.members.values()].filter((m) => m.gate.state === 'connected')
    if (online.length === 0) return // [SHARE-QOS0-DROP] (offline queueing for persistent members is not implemented)
    // The `shared-fanout` deviation breaks [SHARE-ONE-PER-GROUP] on purpose.
    const chosen = this.fanout ? online : [online[Math.floor(Math.random() * online.length)]!]
    for (const member of chosen) {
      this.delivery.deliver(member.gate, { topic: packet.topic, payload: packet.payload, qos: Math.min(packet.qos, member.qos), properties: packet.properties })
    }
  }

  get groupCount(): number {
    return this.groups.size
  }
}
