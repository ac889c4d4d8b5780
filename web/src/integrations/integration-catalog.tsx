import { paths } from '../router';
import { Link } from '../ui/link';

interface CatalogEntry {
  readonly key: string;
  readonly name: string;
  readonly logo: string;
  readonly description: string;
}

const comingLater: readonly CatalogEntry[] = [
  { key: 'slack', name: 'Slack', logo: 'S', description: 'Channel messages with Block Kit.' },
  { key: 'msteams', name: 'Microsoft Teams', logo: 'T', description: 'Adaptive cards in a Teams channel.' },
];

/** The chat integrations Switchboard offers: HipChat today, the others marked as coming later. */
export function IntegrationCatalog({ hipchatCount }: { readonly hipchatCount: number | undefined }) {
  return (
    <section className="catalog" aria-labelledby="chat-integrations">
      <h2 id="chat-integrations">Chat integrations</h2>
      <ul className="catalog-grid">
        <li className="catalog-item available">
          <span className="logo logo-hipchat" aria-hidden="true">
            HC
          </span>
          <div className="catalog-text">
            <h3>HipChat</h3>
            <p className="muted">Room notifications for HipChat Cloud and HipChat Server / Data Center.</p>
            {hipchatCount === undefined ? null : (
              <p className="small">
                {hipchatCount === 0 ? 'No rooms yet' : `${hipchatCount} room${hipchatCount === 1 ? '' : 's'}`}
              </p>
            )}
          </div>
          <Link className="button button-primary" to={paths.newIntegration()}>
            Add integration
          </Link>
        </li>
        {comingLater.map((entry) => (
          <li key={entry.key} className="catalog-item unavailable">
            <span className={`logo logo-${entry.key}`} aria-hidden="true">
              {entry.logo}
            </span>
            <div className="catalog-text">
              <h3>{entry.name}</h3>
              <p className="muted">{entry.description}</p>
            </div>
            <span className="badge badge-neutral">Coming later</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
