import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { errorResponses } from '../../http/common-schemas.js';
import { sessionCookie } from '../../http/credentials.js';
import type { TypedApp } from '../../http/typed-app.js';
import { principalOf } from '../access/principal.js';
import { MemberSchema } from '../members/member-model.js';
import type { MemberService } from '../members/member-service.js';
import type { SessionService } from './session-service.js';

const tags = ['Sessions'];
const SessionSchema = Type.Object({
  member: MemberSchema,
  via: Type.Union([Type.Literal('session'), Type.Literal('token')]),
});

export function setSessionCookie(
  reply: FastifyReply,
  token: string,
  expiresAt: number,
  secure: boolean,
): void {
  reply.setCookie(sessionCookie, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: '/',
    expires: new Date(expiresAt),
  });
}

export function sessionRoutes(sessions: SessionService, members: MemberService, secureCookies: boolean) {
  const setCookie = (reply: FastifyReply, token: string, expiresAt: number) =>
    setSessionCookie(reply, token, expiresAt, secureCookies);

  return (app: TypedApp): void => {
    app.post(
      '/session',
      {
        config: { access: { reads: 'public' } },
        schema: {
          tags,
          summary: 'Ours: sign in with email and password; sets an HttpOnly session cookie',
          body: Type.Object(
            {
              email: Type.String({ minLength: 1, maxLength: 254 }),
              password: Type.String({ minLength: 1, maxLength: 1024 }),
            },
            { additionalProperties: false },
          ),
          response: { 200: SessionSchema, ...errorResponses, 429: errorResponses[400] },
        },
      },
      async (request, reply) => {
        const session = await sessions.signIn(request.body.email, request.body.password, request.ip);
        setCookie(reply, session.token, session.expiresAt);
        return { member: await members.get(session.memberId), via: 'session' as const };
      },
    );

    app.get(
      '/session',
      {
        config: { access: { reads: 'self' } },
        schema: {
          tags,
          summary: 'Ours: who is signed in',
          response: { 200: SessionSchema, ...errorResponses },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        return {
          member: await members.get(principal.memberId),
          via: principal.tokenId === undefined ? ('session' as const) : ('token' as const),
        };
      },
    );

    app.delete(
      '/session',
      {
        config: { access: { reads: 'self' } },
        schema: {
          tags,
          summary: 'Ours: sign out (ends this session)',
          response: { 204: Type.Null(), ...errorResponses },
        },
      },
      async (request, reply) => {
        const token = request.cookies[sessionCookie];
        if (token !== undefined) await sessions.signOut(token);
        reply.clearCookie(sessionCookie, { path: '/' });
        return reply.status(204).send(null);
      },
    );
  };
}
