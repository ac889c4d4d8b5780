import type { ReactNode } from 'react';

export type Tone = 'good' | 'bad' | 'wait' | 'neutral';

export function StatusBadge({ tone, children }: { readonly tone: Tone; readonly children: ReactNode }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}
