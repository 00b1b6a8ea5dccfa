import { InvalidArgumentError, type Command } from 'commander'
import { EXIT } from '../spec/index.js'
import { startReferenceBroker, BrokerError, type LogLevel } from '../reference-broker/index.js'

/** A listener's port: 0 = any free port, `off` = no such listener. */
function port(value: string): number | false {
  if (value === 'off') return false
  const n = Number(value)
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`not a port number or "off": ${value}`)
  return n
}

/** `mqtt-harness broker`: the reference broker as a local AWS IoT Core emulator. */
export function registerBrokerCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('broker')
    .description('run the reference broker (a local AWS IoT Core message broker) until SIGINT/SIGTERM')
    .option('--host <address>', 'interface to bind', '127.0.0.1')
    .option('--mqtt-port <n|off>', 'MQTT over TCP port (0 = any free port, off = no listener; same for every port)', port, 1883)
    .option('--ws-port <n|off>', 'MQTT over WebSocket port', port, 8080)
    .option('--http-port <n|off>', 'HTTP data-plane port (plain HTTP)', port, 8088)
    .option('--tls-port <n|off>', 'MQTT over TLS port; only with --tls-cert and --tls-key (then default 8883)', port)
    .option('--tls-cert <file>', 'server certificate (PEM)')
    .option('--tls-key <file>', 'server private key (PEM)')
    .option('--tls-ca <file>', 'CA that client certificates must chain to')
    .option('--https-port <n|off>', 'HTTP data plane over TLS, as AWS on 8443; client certificates identify callers; only with --tls-cert and --tls-key (then default 8443)', port)
    .option('--mtls', 'require a client certificate (mutual TLS)', false)
    .option('--profile <name|file>', 'broker profile: aws-iot-core, mqtt-5, mqtt-3.1.1, mqtt-5-minimal or a YAML file', 'aws-iot-core')
    .option('--config <file>', 'YAML file overriding profile values (limits, timings; policies and SigV4 keys in its auth: section)')
    .option('-v, --verbose', 'log every connection event as a JSON line on stderr', false)
    .action(async (opts) => {
      if ((opts.tlsCert && !opts.tlsKey) || (!opts.tlsCert && opts.tlsKey)) {
        process.stderr.write('mqtt-harness broker: --tls-cert and --tls-key go together (HX_CLI_USAGE)\n')
        return setExit(EXIT.INVALID_INPUT)
      }
      if (!opts.tlsCert && (opts.tlsPort !== undefined || opts.httpsPort !== undefined)) {
        process.stderr.write('mqtt-harness broker: --tls-port and --https-port need --tls-cert and --tls-key: without a certificate there is no TLS listener (HX_CLI_USAGE)\n')
        return setExit(EXIT.INVALID_INPUT)
      }
      try {
        const handle = await startReferenceBroker({
          host: opts.host,
          profile: opts.profile,
          config: opts.config,
          mqttPort: opts.mqttPort,
          wsPort: opts.wsPort,
          httpPort: opts.httpPort,
          tlsPort: opts.tlsPort ?? 8883,
          httpsPort: opts.httpsPort ?? 8443,
          tls: opts.tlsCert ? { cert: opts.tlsCert, key: opts.tlsKey, ca: opts.tlsCa, requestCert: opts.mtls } : undefined,
          logLevel: (opts.verbose ? 'info' : 'warn') as LogLevel,
        })
        // Listen for the signals before saying where the broker listens: a caller may send one as
        // soon as it reads that.
        const stopped = new Promise<void>((resolve) => {
          const stop = () => resolve()
          process.once('SIGINT', stop)
          process.once('SIGTERM', stop)
        })
        const lines = [`reference broker (profile ${handle.profile.name}) listening:`]
        for (const [kind, url] of Object.entries(handle.urls)) lines.push(`  ${kind.padEnd(6)} ${url}`)
        lines.push(handle.developmentMode
          ? 'authorization: development mode (no policies configured: every action is allowed)'
          : `authorization: ${Object.keys(handle.profile.auth.policies).length} policies, ${handle.profile.auth.credentials.length} SigV4 keys`)
        process.stdout.write(lines.join('\n') + '\n')
        await stopped
        await handle.close()
        process.stdout.write('reference broker stopped\n')
        setExit(EXIT.PASSED)
      } catch (err) {
        if (err instanceof BrokerError) {
          process.stderr.write(`mqtt-harness broker: ${err.message} (${err.code})\n`)
          return setExit(EXIT.INVALID_INPUT)
        }
        throw err
      }
    })
}
