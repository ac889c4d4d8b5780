/**
 * How a changed field reads in an audit entry: the action it needs and its label. Its own module,
 * with no imports, so the models that declare their rules do not reach the audit model (and,
 * through it, the permissions that import those models).
 */
export interface FieldRule {
  readonly action: string;
  /** "the name", "the tags", … — used in "Changed the name from *a* to *b*". */
  readonly label: string;
}
