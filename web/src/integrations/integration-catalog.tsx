import { paths } from '../router';
import { Link } from '../ui/link';
import { kindOrder, kinds } from './kinds';

const counted = (count: number, one: string, many: string) =>
  count === 0 ? `No ${many} yet` : `${count} ${count === 1 ? one : many}`;

const nouns = {
  hipchat: ['room', 'rooms'],
  slack: ['integration', 'integrations'],
  msteams: ['integration', 'integrations'],
  webhooks: ['webhook', 'webhooks'],
} as const;

/** Where Switchboard can announce changes: HipChat, Slack, Microsoft Teams and webhooks. */
export function IntegrationCatalog({
  counts,
}: {
  readonly counts: Readonly<Partial<Record<keyof typeof kinds, number>>>;
}) {
  return (
    <section className="catalog" aria-labelledby="chat-integrations">
      <h2 id="chat-integrations">Chat integrations and webhooks</h2>
      <ul className="catalog-grid">
        {kindOrder.map((key) => {
          const kind = kinds[key];
          const count = counts[key];
          const [one, many] = nouns[key];
          return (
            <li key={key} className="catalog-item available">
              <span className={`logo logo-${key}`} aria-hidden="true">
                {kind.logo}
              </span>
              <div className="catalog-text">
                <h3 id={`catalog-${key}`}>{kind.label}</h3>
                <p className="muted">{kind.description}</p>
                {count === undefined ? null : <p className="small">{counted(count, one, many)}</p>}
              </div>
              <Link
                className="button button-primary"
                to={paths.newIntegration(key)}
                aria-describedby={`catalog-${key}`}
              >
                {kind.addLabel}
              </Link>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
