/**
 * Runners: the CLI, target resolution, the scenario runner and the load runner.
 * This is the folder's only entry.
 */
export { main } from './cli.js'
export { EXIT, type ExitCode } from './exit-codes.js'
export { RawMqttClient, WaitTimeoutError, type RawPacket, type CloseInfo, type RawConnectOptions } from './adapters/raw-mqtt-client.js'
