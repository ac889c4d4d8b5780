import { type FormEvent, useId, useState } from 'react';
import { ApiError, api } from '../api';
import type { ContextEvaluation, EvaluationReason, Flag } from '../api-types';
import { ErrorMessage } from '../ui/error-message';
import { Field } from '../ui/field';
import { variationText } from './variation-text';

interface Attribute {
  readonly id: number;
  readonly name: string;
  readonly value: string;
}

interface TryContextProps {
  readonly projectKey: string;
  readonly envKey: string;
  readonly environments: readonly { readonly key: string; readonly name: string }[];
  readonly flag: Flag;
}

/** An attribute value as typed: JSON when it reads as JSON (`42`, `true`, `["a"]`), else the text. */
function attributeValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function builtContext(kind: string, key: string, attributes: readonly Attribute[]): Record<string, unknown> {
  const context: Record<string, unknown> = { kind, key };
  for (const a of attributes) if (a.name.trim() !== '') context[a.name.trim()] = attributeValue(a.value);
  return context;
}

/** Why, in words: which rule or target, which prerequisite failed. */
function reasonText(flag: Flag, envKey: string, reason: EvaluationReason): string {
  const experiment = reason.inExperiment === true ? ' (in an experiment)' : '';
  switch (reason.kind) {
    case 'OFF':
      return 'The flag is off in this environment: it serves its off variation.';
    case 'FALLTHROUGH':
      return `No target or rule matched: the default rule applies${experiment}.`;
    case 'TARGET_MATCH':
      return 'The context is individually targeted.';
    case 'RULE_MATCH': {
      const rule =
        reason.ruleIndex === undefined ? undefined : flag.environments[envKey]?.rules[reason.ruleIndex];
      const named =
        rule?.description !== undefined && rule.description !== '' ? ` “${rule.description}”` : '';
      return `Rule ${(reason.ruleIndex ?? 0) + 1}${named} matched${experiment}.`;
    }
    case 'PREREQUISITE_FAILED':
      return `Prerequisite “${reason.prerequisiteKey ?? '?'}” did not serve the variation this flag requires: it serves its off variation.`;
    case 'ERROR':
      return `The flag could not be evaluated (${reason.errorKind ?? 'error'}): an SDK would serve the application's default.`;
  }
}

/**
 * "Try a context": what would this context get from this flag, and why. Evaluated by the server
 * with the same evaluator the SDKs' endpoints use (`POST …/flags/evaluate`); nothing is recorded.
 */
export function TryContext({ projectKey, envKey, environments, flag }: TryContextProps) {
  const id = useId();
  const [mode, setMode] = useState<'build' | 'json'>('build');
  const [env, setEnv] = useState(envKey);
  const [kind, setKind] = useState('user');
  const [key, setKey] = useState('');
  const [attributes, setAttributes] = useState<Attribute[]>([]);
  const [nextId, setNextId] = useState(1);
  const [json, setJson] = useState('{\n  "kind": "user",\n  "key": "alice"\n}');
  const [jsonError, setJsonError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [result, setResult] = useState<{ item: ContextEvaluation; env: string } | undefined>();

  const switchMode = (next: 'build' | 'json') => {
    if (next === 'json' && mode === 'build')
      setJson(JSON.stringify(builtContext(kind, key, attributes), null, 2));
    setMode(next);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    setJsonError(undefined);
    let context: unknown;
    if (mode === 'json') {
      try {
        context = JSON.parse(json);
      } catch {
        setJsonError('This is not valid JSON.');
        return;
      }
    } else context = builtContext(kind, key, attributes);
    setBusy(true);
    try {
      const page = await api.flags.evaluateFor(projectKey, env, context);
      const item = page.items.find((i) => i.key === flag.key);
      if (item === undefined) throw new Error(`The flag has no settings in “${env}”.`);
      setResult({ item, env });
    } catch (caught) {
      setResult(undefined);
      const issue = caught instanceof ApiError ? caught.issues[0] : undefined;
      if (issue !== undefined) {
        setJsonError(`${issue.pointer === '/' ? 'The context' : issue.pointer}: ${issue.message}`);
      } else setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const envName = (k: string) => environments.find((e) => e.key === k)?.name ?? k;
  return (
    <section className="card try-context" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Try a context</h2>
      <p className="muted small">What a context gets from this flag, and why. Nothing is recorded.</p>
      <form onSubmit={submit} noValidate>
        <div className="row">
          <Field label="Environment">
            {(control) => (
              <select {...control} className="input" value={env} onChange={(e) => setEnv(e.target.value)}>
                {environments.map((e) => (
                  <option key={e.key} value={e.key}>
                    {e.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <fieldset className="choice">
            <legend>Context</legend>
            <label className="checkbox">
              <input
                type="radio"
                name={`${id}-mode`}
                checked={mode === 'build'}
                onChange={() => switchMode('build')}
              />
              <span>Build</span>
            </label>
            <label className="checkbox">
              <input
                type="radio"
                name={`${id}-mode`}
                checked={mode === 'json'}
                onChange={() => switchMode('json')}
              />
              <span>Paste JSON</span>
            </label>
          </fieldset>
        </div>
        {mode === 'build' ? (
          <>
            <div className="row">
              <Field label="Kind">
                {(control) => (
                  <input
                    {...control}
                    className="input"
                    value={kind}
                    onChange={(e) => setKind(e.target.value)}
                  />
                )}
              </Field>
              <Field label="Key" error={jsonError}>
                {(control) => (
                  <input
                    {...control}
                    className="input"
                    value={key}
                    placeholder="e.g. alice"
                    onChange={(e) => setKey(e.target.value)}
                  />
                )}
              </Field>
            </div>
            {attributes.map((a, index) => (
              <div className="row" key={a.id}>
                <Field label={`Attribute ${index + 1} name`}>
                  {(control) => (
                    <input
                      {...control}
                      className="input"
                      value={a.name}
                      placeholder="e.g. email"
                      onChange={(e) =>
                        setAttributes(
                          attributes.map((x) => (x.id === a.id ? { ...x, name: e.target.value } : x)),
                        )
                      }
                    />
                  )}
                </Field>
                <Field label={`Attribute ${index + 1} value`}>
                  {(control) => (
                    <input
                      {...control}
                      className="input"
                      value={a.value}
                      onChange={(e) =>
                        setAttributes(
                          attributes.map((x) => (x.id === a.id ? { ...x, value: e.target.value } : x)),
                        )
                      }
                    />
                  )}
                </Field>
                <button
                  type="button"
                  className="button button-quiet button-small"
                  aria-label={`Remove attribute ${index + 1}`}
                  onClick={() => setAttributes(attributes.filter((x) => x.id !== a.id))}
                >
                  Remove
                </button>
              </div>
            ))}
            <button
              type="button"
              className="button button-small"
              onClick={() => {
                setAttributes([...attributes, { id: nextId, name: '', value: '' }]);
                setNextId(nextId + 1);
              }}
            >
              Add attribute
            </button>
            {attributes.length === 0 ? null : (
              <p className="hint">Attribute values are text, or JSON such as 42, true or ["a"].</p>
            )}
          </>
        ) : (
          <Field
            label="Context JSON"
            hint='Single-kind ({"kind": "user", "key": …}), multi-kind ({"kind": "multi", "user": {…}, "org": {…}}) or an old-style user'
            error={jsonError}
          >
            {(control) => (
              <textarea
                {...control}
                className="input code-input template-input"
                rows={6}
                value={json}
                spellCheck={false}
                onChange={(e) => setJson(e.target.value)}
              />
            )}
          </Field>
        )}
        {/* Spaced inline: the page's stylesheet is shared, and this card needs no class of its own. */}
        <div className="row" style={{ marginTop: 12 }}>
          <button type="submit" className="button button-primary" disabled={busy}>
            {busy ? 'Evaluating…' : 'Evaluate'}
          </button>
        </div>
      </form>
      <ErrorMessage error={error} title="Could not evaluate." />
      <div className="try-context-result" role="status" aria-live="polite" style={{ marginTop: 12 }}>
        {result === undefined ? null : (
          <>
            <p>
              In {envName(result.env)} this context gets{' '}
              <code>
                {result.item._variationIndex === undefined
                  ? JSON.stringify(result.item._value)
                  : variationText(flag, result.item._variationIndex)}
              </code>
              {result.item._variationIndex === undefined ? null : (
                <span className="muted small"> (variation {result.item._variationIndex})</span>
              )}
            </p>
            <p className="small">{reasonText(flag, result.env, result.item.reason)}</p>
          </>
        )}
      </div>
    </section>
  );
}
