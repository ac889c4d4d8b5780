import type { Environment, Flag } from '../api-types';
import { paths } from '../router';
import { Link } from '../ui/link';
import { FlagSwitch } from './flag-switch';
import type { FlagToggles } from './flag-toggles';
import { servingText } from './variation-text';

interface FlagTableProps {
  readonly projectKey: string;
  readonly flags: readonly Flag[];
  /** The environments side by side, each a column with its own switches. */
  readonly columns: readonly Environment[];
  readonly toggles: FlagToggles;
}

function serving(flag: Flag, envKey: string): string | null {
  const settings = flag.environments[envKey];
  if (settings === undefined) return null;
  return `Serving ${settings.on ? servingText(flag, settings.fallthrough) : servingText(flag, { variation: settings.offVariation })}`;
}

/**
 * The flags with their state in several environments side by side. On a phone the environment
 * columns scroll sideways under a flag column that stays put.
 */
export function FlagTable({ projectKey, flags, columns, toggles }: FlagTableProps) {
  const names = columns.map((e) => e.name).join(', ');
  const detailEnv = columns[0]?.key ?? '';
  return (
    <div className="table-scroll flag-table-scroll">
      <table className="table flag-table">
        <caption className="visually-hidden">Flags in {names}</caption>
        <thead>
          <tr>
            <th scope="col">Flag</th>
            {columns.map((env) => (
              <th scope="col" key={env.key} className="flag-env-column">
                <span className="env-dot" style={{ background: `#${env.color}` }} aria-hidden="true" />
                {env.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {flags.map((flag) => (
            <tr key={flag.key}>
              <th scope="row" className="flag-cell">
                <Link className="flag-name" to={paths.flag(projectKey, detailEnv, flag.key)}>
                  {flag.name}
                </Link>
                <code className="flag-key">{flag.key}</code>
                {flag.archived ? <span className="tag">archived</span> : null}
                {flag.tags.map((tag) => (
                  <span key={tag} className="tag">
                    {tag}
                  </span>
                ))}
                {flag.description === '' ? null : <p className="muted small">{flag.description}</p>}
              </th>
              {columns.map((env) => (
                <td key={env.key} className="flag-env-cell">
                  <FlagSwitch flag={flag} envKey={env.key} env={env} toggles={toggles} />
                  <span className="muted small">{serving(flag, env.key)}</span>
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
