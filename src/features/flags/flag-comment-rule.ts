import type { StoredDocument } from '../../db/document-store.js';
import { ValidationError } from '../../errors/app-errors.js';
import type { EnvironmentDoc } from '../environments/environment-model.js';

/**
 * An environment with `requireComments` takes no flag change without a comment, as LaunchDarkly
 * answers 400 there. The UI asks for the comment first; this keeps scripts to the same rule.
 * Returns the refusal for the first such environment `touched`, or undefined when none needs one.
 */
export function missingCommentError(
  touched: readonly (StoredDocument<EnvironmentDoc> | undefined)[],
  comment: string | undefined,
): ValidationError | undefined {
  if (comment !== undefined && comment.trim() !== '') return undefined;
  const strict = touched.find((env) => env?.doc.requireComments === true);
  return strict === undefined
    ? undefined
    : ValidationError.at('/comment', `${strict.doc.name} requires a comment with every change`);
}
