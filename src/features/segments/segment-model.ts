// Placeholder until the feature lands: the document stored for a segment.
export type SegmentDoc = Record<string, unknown>;
