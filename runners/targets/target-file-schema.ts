import { z } from 'zod'
import { capabilitySchema } from '../../spec/index.js'

const urlWith = (schemes: string[]) =>
  z.string().refine((u) => {
    try { return schemes.includes(new URL(u).protocol) } catch { return false }
  }, { message: `expected a URL starting with ${schemes.map((s) => `${s}//`).join(' or ')}` })

/**
 * A target file: an external broker's endpoints, TLS material, credentials
 * and profile. File paths are relative to the target file; any string may use
 * `${env.NAME}` so secrets stay out of the file.
 */
export const targetFileSchema = z.strictObject({
  name: z.string().min(1),
  /** Bundled profile name or profile file: the limits scenarios see as `${limits.*}`. */
  profile: z.string().default('aws-iot-core'),
  /** A YAML file overriding profile values. */
  config: z.string().optional(),
  mqtt: z.strictObject({ url: urlWith(['mqtt:', 'tcp:']) }).optional(),
  ws: z.strictObject({ url: urlWith(['ws:', 'wss:']) }).optional(),
  tls: z.strictObject({
    url: urlWith(['mqtts:', 'ssl:', 'tls:']),
    ca: z.string().optional().describe('CA bundle file (PEM)'),
    cert: z.string().optional().describe('Client certificate file (PEM)'),
    key: z.string().optional().describe('Client private key file (PEM)'),
    servername: z.string().optional().describe('SNI name'),
    alpn: z.array(z.string()).optional().describe('ALPN protocols, e.g. [x-amzn-mqtt-ca]'),
    rejectUnauthorized: z.boolean().default(true),
  }).optional(),
  http: z.strictObject({
    url: urlWith(['http:', 'https:']),
    ca: z.string().optional(),
    sigv4: z.strictObject({
      accessKeyId: z.string().min(1),
      secretAccessKey: z.string().min(1),
      sessionToken: z.string().optional(),
      region: z.string().min(1),
      service: z.string().default('iotdevicegateway'),
    }).optional(),
  }).optional(),
  auth: z.strictObject({ username: z.string().optional(), password: z.string().optional() }).optional(),
  /** The product's own requirement catalogue file(s) (spec/user-catalogue.ts), relative to the target file. */
  catalogue: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
  clientIdPrefix: z.string().default(''),
  topicPrefix: z.string().default(''),
  /**
   * What the target can do; default: derived from the profile and the endpoints
   * given (http.sigv4 adds `sigv4`: a real endpoint verifies signatures).
   */
  capabilities: z.array(capabilitySchema).optional(),
}).refine((t) => t.mqtt || t.ws || t.tls, { message: 'give at least one MQTT endpoint: mqtt, tls or ws' })
  .refine((t) => !t.capabilities?.includes('sigv4') || t.http?.sigv4 !== undefined, { message: 'the sigv4 capability needs credentials to sign with: http.sigv4', path: ['capabilities'] })

export type TargetFile = z.output<typeof targetFileSchema>
