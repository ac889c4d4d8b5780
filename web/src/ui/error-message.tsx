import { messageOf } from '../api';

/** A refusal or failure from the server, announced to screen readers. */
export function ErrorMessage({ error, title }: { readonly error: unknown; readonly title?: string }) {
  if (error === undefined || error === null) return null;
  return (
    <div className="alert alert-error" role="alert">
      {title === undefined ? null : <strong>{title} </strong>}
      {messageOf(error)}
    </div>
  );
}
