import { useId } from 'react';
import type { Flag } from '../../api-types';
import { variationText } from '../variation-text';
import { type DraftServe, formatPercent, fullWeight } from './targeting-draft';

interface VariationSelectProps {
  readonly flag: Flag;
  readonly value: number | undefined;
  readonly onChange: (variation: number) => void;
  readonly label: string;
  readonly disabled: boolean;
  readonly id?: string;
}

/** A choice of one of the flag's variations, named as people name them. */
export function VariationSelect({ flag, value, onChange, label, disabled, id }: VariationSelectProps) {
  return (
    <select
      id={id}
      className="input"
      aria-label={id === undefined ? label : undefined}
      value={value ?? ''}
      disabled={disabled}
      onChange={(e) => onChange(Number(e.target.value))}
    >
      {value === undefined ? <option value="">Choose a variation</option> : null}
      {flag.variations.map((v, index) => (
        <option key={v._id ?? index} value={index}>
          {variationText(flag, index)}
        </option>
      ))}
    </select>
  );
}

interface ServeEditorProps {
  readonly flag: Flag;
  readonly serve: DraftServe;
  readonly onChange: (serve: DraftServe) => void;
  /** Names the controls, e.g. "Default rule" or "Rule 2". */
  readonly label: string;
  readonly disabled: boolean;
}

const evenRollout = (count: number) =>
  Array.from({ length: count }, (_, i) => ({
    variation: i,
    // Thousandths of a percent; the first variations take the remainder so the total is exact.
    weight: Math.floor(fullWeight / count) + (i < fullWeight % count ? 1 : 0),
  }));

/** What a rule (or the default rule) serves: one variation, or a percentage rollout shown as a bar. */
export function ServeEditor({ flag, serve, onChange, label, disabled }: ServeEditorProps) {
  const id = useId();
  const rollout = serve.rollout;
  const weights = flag.variations.map(
    (_, index) => rollout?.variations.find((v) => v.variation === index)?.weight ?? 0,
  );
  const total = weights.reduce((sum, w) => sum + w, 0);
  const setWeight = (index: number, percent: number) => {
    const weight = Number.isFinite(percent) ? Math.round(percent * 1000) : 0;
    const variations = weights.map((w, i) => ({ variation: i, weight: i === index ? weight : w }));
    onChange({ rollout: { ...rollout, variations } });
  };
  return (
    <fieldset className="serve" disabled={disabled}>
      <legend>Serve</legend>
      <div className="serve-choice">
        <label htmlFor={`${id}-what`} className="visually-hidden">
          {label}: serve
        </label>
        <select
          id={`${id}-what`}
          className="input"
          value={rollout === undefined ? String(serve.variation ?? '') : 'rollout'}
          onChange={(e) => {
            const value = e.target.value;
            if (value === 'rollout')
              onChange({ rollout: { variations: evenRollout(flag.variations.length) } });
            else onChange({ variation: Number(value) });
          }}
        >
          {serve.variation === undefined && rollout === undefined ? (
            <option value="">Choose a variation</option>
          ) : null}
          {flag.variations.map((v, index) => (
            <option key={v._id ?? index} value={index}>
              {variationText(flag, index)}
            </option>
          ))}
          <option value="rollout">a percentage rollout</option>
        </select>
      </div>
      {rollout === undefined ? null : (
        <div className="rollout">
          <RolloutBar flag={flag} weights={weights} />
          <div className="rollout-weights">
            {flag.variations.map((v, index) => (
              <label key={v._id ?? index} className="rollout-weight">
                <span>{variationText(flag, index)}</span>
                <span className="percent-input">
                  <input
                    className="input"
                    type="number"
                    min={0}
                    max={100}
                    step="any"
                    inputMode="decimal"
                    aria-label={`${label}: percentage served ${variationText(flag, index)}`}
                    value={formatPercent(weights[index] ?? 0)}
                    onChange={(e) => setWeight(index, e.target.valueAsNumber)}
                  />
                  <span aria-hidden="true">%</span>
                </span>
              </label>
            ))}
          </div>
          <p className={total === fullWeight ? 'muted small' : 'field-error'} aria-live="polite">
            Total {formatPercent(total)} %
            {total === fullWeight ? '' : ': the percentages must add up to 100 %.'}
          </p>
          <label className="rollout-bucket">
            <span>Bucket by</span>
            <input
              className="input"
              value={rollout.bucketBy ?? ''}
              placeholder="key"
              onChange={(e) => {
                const { bucketBy: _b, ...rest } = rollout;
                onChange({ rollout: e.target.value === '' ? rest : { ...rest, bucketBy: e.target.value } });
              }}
            />
          </label>
        </div>
      )}
    </fieldset>
  );
}

/** The rollout as one bar, a segment per variation; its text alternative reads the same split. */
function RolloutBar({ flag, weights }: { readonly flag: Flag; readonly weights: readonly number[] }) {
  const description = weights.map((w, i) => `${formatPercent(w)} % ${variationText(flag, i)}`).join(', ');
  return (
    <div className="rollout-bar" role="img" aria-label={`Rollout: ${description}`}>
      {weights.map((w, i) =>
        w === 0 ? null : (
          <span
            // biome-ignore lint/suspicious/noArrayIndexKey: one segment per variation, in variation order
            key={i}
            className={`rollout-segment rollout-segment-${i % 6}`}
            style={{ flexGrow: w }}
            title={`${formatPercent(w)} % ${variationText(flag, i)}`}
          >
            {w >= 8000 ? `${formatPercent(w)} %` : ''}
          </span>
        ),
      )}
    </div>
  );
}
