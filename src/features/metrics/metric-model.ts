// Placeholder until the feature lands: the document stored for a metric.
export type MetricDoc = Record<string, unknown>;
