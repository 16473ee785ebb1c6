import type { FastifyRequest } from 'fastify';

/**
 * The scheme://host[:port] the client used, for links in responses. Behind an ingress the
 * forwarded headers say what the client saw; they are trusted only when the server was
 * told to (trustProxy), otherwise a client could point links anywhere.
 */
export function requestBaseUrl(req: FastifyRequest): string {
  const proto = req.protocol;
  const host = req.host;
  return `${proto}://${host}`;
}
