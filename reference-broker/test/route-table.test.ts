/**
 * Route matching of the data plane: literal segments, `:name` for exactly one
 * segment, `*name` for one or more, parameters kept percent-encoded so `%2F`
 * cannot split a segment, and 405 (with the allowed methods) for a path that
 * exists under another method [HTTP-ERRORS].
 */
import { describe, expect, it } from 'vitest'
import { dataPlaneRoutes } from '../index.js'
import { defineRoute, matchRoute, type Route } from '../http/route-table.js'

const route = (method: Route['method'], path: string, api: string) => defineRoute({ method, path, api, hasBody: false, parse: () => undefined, handle: () => undefined })
const routes = [
  route('POST', 'connections/:clientId/messages', 'Send'),
  route('GET', 'connections/:clientId', 'Get'),
  route('DELETE', 'connections/:clientId', 'Delete'),
  route('GET', 'retain/*topic', 'GetRetained'),
  route('GET', 'retain', 'ListRetained'),
]
const found = (method: string, path: string) => {
  const m = matchRoute(routes, method, path)
  return m.kind === 'found' ? { api: m.route.api, params: m.rawParams } : m
}

describe('matchRoute', () => {
  it('matches literals and one-segment parameters, kept encoded', () => {
    expect(found('POST', '/connections/dev%2F1/messages')).toEqual({ api: 'Send', params: { clientId: 'dev%2F1' } })
    expect(found('GET', '/connections/dev1')).toEqual({ api: 'Get', params: { clientId: 'dev1' } })
    expect(found('DELETE', '/connections/dev1')).toEqual({ api: 'Delete', params: { clientId: 'dev1' } })
    expect(found('GET', '/retain')).toEqual({ api: 'ListRetained', params: {} })
  })

  it('gives a rest parameter one or more segments, joined by /', () => {
    expect(found('GET', '/retain/a/b/c')).toEqual({ api: 'GetRetained', params: { topic: 'a/b/c' } })
    expect(found('GET', '/retain/a')).toEqual({ api: 'GetRetained', params: { topic: 'a' } })
    expect(found('GET', '/retain/')).toEqual({ api: 'GetRetained', params: { topic: '' } })
  })

  it('finds nothing for a path longer, shorter or different from every route, or without a leading /', () => {
    for (const path of ['xconnections/dev1', '/connections/dev1/messages/x', '/connections', '/connection/dev1', '/', '', 'connections/dev1', '/connections/dev1/message']) {
      expect(matchRoute(routes, 'GET', path), path).toEqual({ kind: 'none' })
    }
  })

  it('says which methods a path takes when the method is wrong', () => {
    expect(matchRoute(routes, 'PUT', '/connections/dev1')).toEqual({ kind: 'wrong-method', allowed: ['GET', 'DELETE'] })
    expect(matchRoute(routes, 'GET', '/connections/dev1/messages')).toEqual({ kind: 'wrong-method', allowed: ['POST'] })
  })

  it('routes the data plane\'s operations by method and path', () => {
    const api = (method: string, path: string) => {
      const m = matchRoute(dataPlaneRoutes, method, path)
      return m.kind === 'found' ? m.route.api : m.kind
    }
    expect(api('POST', '/connections/dev1/messages')).toBe('SendDirectMessage')
    expect(api('GET', '/connections/dev1/messages')).toBe('wrong-method')
    expect(api('GET', '/nothing')).toBe('none')
  })
})
