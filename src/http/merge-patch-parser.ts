import type { FastifyBodyParser } from 'fastify';

/**
 * The body parser of `application/merge-patch+json`: parsed as JSON, then handed to the route
 * as `{"merge": <document>}`, the form LaunchDarkly also takes as application/json, so one parser
 * reads both. A route without merge support refuses it by name (see parsePatchBody).
 */
export function mergePatchParser(json: FastifyBodyParser<string>): FastifyBodyParser<string> {
  return (request, body, done) => {
    void json(request, body, (error, value) => {
      if (error) done(error, undefined);
      else done(null, { merge: value });
    });
  };
}
