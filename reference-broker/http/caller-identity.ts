import type http from 'node:http'
import type { TLSSocket } from 'node:tls'
import type { Authorizer, Principal } from '../policy/create-authorizer.js'
import { forbidden } from './api-error.js'
import { SIGNING_NAMES, verifySigV4 } from './verify-sigv4.js'

export interface CallerIdentityOptions {
  /**
   * Refuse a caller that is neither SigV4-signed nor holds a trusted client
   * certificate (403 `signature-missing`), as AWS does, instead of treating it
   * as anonymous [DM-STATUS-401].
   */
  requireSignature?: boolean
  /** The SigV4 signing names (credential scope services) accepted [API-SIGNING-NAME]; default iotdata and iotdevicegateway. */
  signingNames?: readonly string[]
}

/**
 * Who is calling [DM-AUTH-MODES]: a SigV4-signed request is the access key's
 * principal (verified when keys are configured); otherwise a verified client
 * certificate on the HTTPS listener is the certificate's subject CN; otherwise
 * the caller is anonymous (the `default` policies apply), or refused with 403
 * when signatures are required. Without configured keys a signature cannot be
 * checked, so it is ignored: that is how the emulator accepts any AWS SDK
 * client in development mode.
 */
export function callerIdentity(req: http.IncomingMessage, body: Buffer, authorizer: Authorizer, options: CallerIdentityOptions = {}): Principal {
  if (req.headers.authorization !== undefined && authorizer.hasCredentials) {
    // [DM-STATUS-401] [API-SIGNING-NAME] a signed request is its verified access key's principal.
    const signed = verifySigV4(req, body, (id) => authorizer.secretFor(id), options.signingNames ?? SIGNING_NAMES, authorizer.region)
    return { kind: 'access-key', id: signed.accessKeyId }
  }
  const socket = req.socket as TLSSocket
  if (socket.encrypted) {
    const cert = socket.getPeerCertificate()
    if (cert && Object.keys(cert).length > 0) {
      // [DM-STATUS-403] a certificate we cannot verify identifies nobody.
      if (!socket.authorized) throw forbidden('certificate-not-trusted', `The client certificate is not trusted: ${String(socket.authorizationError ?? 'unknown issuer')}`)
      const cn = cert.subject?.CN
      const id = Array.isArray(cn) ? cn[0] : cn
      if (id) return { kind: 'certificate', id }
    }
  }
  // [DM-STATUS-401] contradiction C9: 401 or 403 for a missing signature; this broker answers 403 like its other signature problems.
  if (options.requireSignature) {
    throw forbidden('signature-missing', 'The request is not signed with AWS Signature Version 4 and carries no trusted client certificate')
  }
  return { kind: 'anonymous' }
}
