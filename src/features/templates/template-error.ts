/** A template that cannot be compiled or rendered; its message says why, for a person. */
export class TemplateError extends Error {}
