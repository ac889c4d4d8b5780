import { api } from '../api';
import type { Integration, JsonPatchOperation, PolicyStatement } from '../api-types';
import { Field } from '../ui/field';
import {
  commonPatch,
  type FormProps,
  IntegrationFormFrame,
  nameError,
  SecretField,
  useIntegrationForm,
} from './form-kit';

const pointers = {
  name: '/name',
  room: '/config/room',
  token: '/config/token',
  server: '/config/server',
} as const;

interface Values {
  readonly name: string;
  readonly room: string;
  readonly token: string;
  readonly server: string;
  readonly notify: boolean;
}

function editPatch(
  existing: Integration,
  values: Values,
  statements: readonly PolicyStatement[],
): JsonPatchOperation[] {
  const patch = commonPatch(existing, values.name, statements);
  const { config } = existing;
  if (values.room !== config.room) patch.push({ op: 'replace', path: '/config/room', value: values.room });
  if (values.notify !== config.notify)
    patch.push({ op: 'replace', path: '/config/notify', value: values.notify });
  const server = values.server === '' ? undefined : values.server;
  if (server !== config.server) {
    if (server === undefined) patch.push({ op: 'remove', path: '/config/server' });
    else
      patch.push({
        op: config.server === undefined ? 'add' : 'replace',
        path: '/config/server',
        value: server,
      });
  }
  // An empty token field means "keep the stored one": the token is never sent back to the browser.
  if (values.token !== '') patch.push({ op: 'replace', path: '/config/token', value: values.token });
  return patch;
}

/** Add or edit a HipChat room integration: where to post, and which changes to send. */
export function IntegrationForm({ existing, onSaved, onCancel }: FormProps<Integration>) {
  const form = useIntegrationForm<keyof typeof pointers, Values>(existing?.statements, pointers, {
    name: existing?.name ?? '',
    room: existing?.config.room ?? '',
    token: '',
    server: existing?.config.server ?? '',
    notify: existing?.config.notify ?? false,
  });
  const { values, set, fieldErrors: errors } = form;

  const submit = () => {
    const trimmed = {
      ...values,
      name: values.name.trim(),
      room: values.room.trim(),
      server: values.server.trim(),
    };
    return form.submit(
      {
        name: nameError(trimmed.name, 'the room’s'),
        room: trimmed.room === '' ? 'Enter the room’s ID or its name.' : undefined,
        token:
          values.token !== ''
            ? undefined
            : existing === undefined
              ? 'Paste the room notification token.'
              : // The server keeps the stored token only while the integration posts where it did.
                trimmed.server.replace(/\/+$/, '') !== (existing.config.server ?? '')
                ? 'Paste the token again: it is only sent to the server it was given for.'
                : undefined,
      },
      async (statements) => {
        if (existing === undefined) {
          onSaved(
            await api.hipchat.create({
              name: trimmed.name,
              on: true,
              config: {
                room: trimmed.room,
                token: trimmed.token,
                notify: trimmed.notify,
                ...(trimmed.server === '' ? {} : { server: trimmed.server }),
              },
              statements,
            }),
          );
        } else {
          const patch = editPatch(existing, trimmed, statements);
          onSaved(patch.length === 0 ? existing : await api.hipchat.update(existing._id, patch));
        }
      },
    );
  };

  return (
    <IntegrationFormFrame
      form={form}
      noun="a HipChat integration"
      existingName={existing?.name}
      namePlaceholder="Ops room"
      onSubmit={submit}
      onCancel={onCancel}
    >
      <Field label="Room ID or name" hint="As HipChat shows it, e.g. 1234567 or Ops." error={errors.room}>
        {(control) => (
          <input
            {...control}
            className="input"
            value={values.room}
            onChange={(e) => set('room', e.target.value)}
            autoComplete="off"
            maxLength={100}
          />
        )}
      </Field>
      <SecretField
        label="Room notification token"
        hint="A token with the Send Notification scope (room settings → Tokens). Stored encrypted, never shown again."
        isNew={existing === undefined}
        value={values.token}
        error={errors.token}
        onChange={(v) => set('token', v)}
      />
      <Field
        label={
          <>
            HipChat Server URL <span className="optional">optional</span>
          </>
        }
        hint="Only for HipChat Server or Data Center; empty uses the server’s default."
        error={errors.server}
      >
        {(control) => (
          <input
            {...control}
            className="input"
            type="url"
            inputMode="url"
            value={values.server}
            onChange={(e) => set('server', e.target.value)}
            placeholder="https://hipchat.example.com"
            autoComplete="off"
          />
        )}
      </Field>
      <label className="checkbox">
        <input type="checkbox" checked={values.notify} onChange={(e) => set('notify', e.target.checked)} />
        <span>
          Notify room members
          <span className="hint block">Messages make HipChat alert the people in the room.</span>
        </span>
      </label>
    </IntegrationFormFrame>
  );
}
