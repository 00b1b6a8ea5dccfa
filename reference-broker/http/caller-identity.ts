import type http from 'node:http'
import type { TLSSocket } from 'node:tls'
import type { Authorizer, Principal } from '../policy/create-authorizer.js'
import { forbidden } from './api-error.js'
import { verifySigV4 } from './verify-sigv4.js'

/**
 * Who is calling [DM-AUTH-MODES]: a SigV4-signed request is the access key's
 * principal (verified when keys are configured); otherwise a verified client
 * certificate on the HTTPS listener is the certificate's subject CN; otherwise
 * the caller is anonymous (the `default` policies apply). Without configured
 * keys a signature cannot be checked, so it is ignored: that is how the
 * emulator accepts any AWS SDK client in development mode.
 */
export function callerIdentity(req: http.IncomingMessage, body: Buffer, authorizer: Authorizer): Principal {
  if (req.headers.authorization !== undefined && authorizer.hasCredentials) {
    const signed = verifySigV4(req, body, (id) => authorizer.secretFor(id))
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
  return { kind: 'anonymous' }
}
