import { startReferenceBroker } from '../../index.js'

/**
 * The reference broker in a process of its own, for the protocol fuzzer: a
 * crash ends this process (the fuzzer sees the exit and the stack on stderr)
 * instead of the fuzzer. Prints `{"port":N,"wsPort":M}` (MQTT over TCP and over
 * WebSocket) once listening; logs errors only (an `internal-error` line is a
 * bug the gate caught).
 */
const b = await startReferenceBroker({
  // The bundled profile to fuzz (argument 1): aws-iot-core by default; mqtt-5 reaches QoS 2,
  // enhanced authentication and the other paths AWS IoT Core does not have.
  profile: process.argv[2] ?? 'aws-iot-core',
  logLevel: 'error',
  host: '127.0.0.1',
  wsPort: 0,
  httpPort: false,
  // Fuzz connections reuse a pool of client ids: no connect-rate refusals; short connect deadline.
  overrides: { mqtt: { connectsPerSecondPerClientId: 0 }, server: { connectTimeoutMs: 2000 } },
})
process.stdout.write(JSON.stringify({ port: b.ports.mqtt, wsPort: b.ports.ws }) + '\n')
process.on('SIGTERM', () => { void b.close().then(() => process.exit(0)) })
