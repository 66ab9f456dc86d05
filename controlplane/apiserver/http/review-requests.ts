/**
 * POST of the review kinds (SubjectAccessReview, LocalSubjectAccessReview, the self reviews and
 * TokenReview): answered from the caller's identity, the authorizer (`../reviews.ts`) or the
 * token authenticators, never stored. `create` of the collection is their only verb.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UserInfo } from '../auth.js';
import { sendJson } from '../http-io.js';
import type { RequestInfo } from '../request-info.js';
import type { ResourceInfo } from '../resources.js';
import {
  selfSubjectAccessReview,
  selfSubjectReview,
  selfSubjectRulesReview,
  subjectAccessReview,
} from '../reviews.js';
import { type HandlerOptions, methodNotAllowed, readJson } from './context.js';
import { tokenReview } from './token-review.js';

/** POST of a review: answered from the caller's identity, never stored. */
export async function serveReview(
  o: HandlerOptions,
  c: {
    readonly req: IncomingMessage;
    readonly res: ServerResponse;
    readonly info: RequestInfo;
    readonly res_: ResourceInfo;
    readonly user: UserInfo;
  },
): Promise<void> {
  if (
    c.info.verb !== 'create' ||
    c.info.name !== '' ||
    (c.info.namespace !== undefined) !== c.res_.namespaced
  ) {
    c.req.resume();
    throw methodNotAllowed();
  }
  const input = await readJson(c.req);
  const review = { authorizer: o.authorizer, user: c.user, body: input };
  switch (c.res_.kind) {
    case 'SelfSubjectAccessReview':
      return sendJson(c.res, 201, await selfSubjectAccessReview(review));
    case 'SubjectAccessReview':
      return sendJson(c.res, 201, await subjectAccessReview(review));
    case 'LocalSubjectAccessReview':
      return sendJson(
        c.res,
        201,
        await subjectAccessReview({ ...review, namespace: c.info.namespace ?? '' }),
      );
    case 'TokenReview':
      return sendJson(c.res, 201, tokenReview(o, input, new Date()));
    case 'SelfSubjectRulesReview':
      return sendJson(
        c.res,
        201,
        selfSubjectRulesReview({ authorizer: o.authorizer, user: c.user, body: input }),
      );
    default:
      return sendJson(c.res, 201, selfSubjectReview(c.user));
  }
}
