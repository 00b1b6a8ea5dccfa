import net from 'node:net'
import mqtt from 'mqtt-packet'

/** A bare MQTT 3.1.1 connection on mqtt-packet for the benches: no client library in the measurement. */
export class RawConn {
  readonly sock: net.Socket
  private readonly parser = mqtt.parser({ protocolVersion: 4 })
  onPacket: (p: any) => void = () => {}
  closed = false
  constructor(port: number) {
    this.sock = net.connect(port, '127.0.0.1')
    this.sock.setNoDelay(true)
    this.sock.on('data', (b) => this.parser.parse(b))
    this.parser.on('packet', (p) => this.onPacket(p))
    this.sock.on('error', () => {})
    this.sock.on('close', () => { this.closed = true })
  }
  send(p: object): boolean { return this.sock.write(mqtt.generate(p as never)) }
  private waitFor(cmd: string, what: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${what} within 10 s`)), 10_000)
      this.onPacket = (p) => { if (p.cmd === cmd) { clearTimeout(t); resolve() } }
    })
  }
  async connect(clientId: string, keepalive = 1200): Promise<void> {
    await new Promise<void>((r, reject) => { this.sock.once('connect', () => r()); this.sock.once('error', reject) })
    const acked = this.waitFor('connack', 'CONNACK')
    this.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive, clientId })
    await acked
  }
  async subscribe(topic: string): Promise<void> {
    const acked = this.waitFor('suback', 'SUBACK')
    this.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 0 }] })
    await acked
  }
}
