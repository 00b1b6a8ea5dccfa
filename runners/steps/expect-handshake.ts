import { expectHandshakeStep } from '../../spec/index.js'
import { defineStepRunner } from '../step-registry.js'
import { ExpectationFailure } from '../errors.js'

/** The server's answer to the WebSocket opening handshake selected the expected subprotocol [MQTT-6.0.0-4]. */
export const expectHandshake = defineStepRunner(expectHandshakeStep, async (args, ctx) => {
  const { subprotocol } = ctx.client(args.client).handshake()
  const expected = args.subprotocol === false ? null : args.subprotocol
  if (subprotocol === expected) return
  const said = (v: string | null) => (v === null ? 'no Sec-WebSocket-Protocol' : `Sec-WebSocket-Protocol: ${v}`)
  throw new ExpectationFailure(`the WebSocket handshake of ${args.client} returned ${said(subprotocol)}; expected ${said(expected)}`, said(expected), said(subprotocol))
})
