/** Sets `key` in a small cache bounded to `limit` entries (the oldest goes first); returns `value`. */
export function remember<K, V>(cache: Map<K, V>, key: K, value: V, limit: number): V {
  if (!cache.has(key) && cache.size >= limit) cache.delete(cache.keys().next().value as K);
  cache.set(key, value);
  return value;
}

/** The value cached under `key`, or `compute()`'s, remembered in a cache bounded to `limit`. */
export function cached<K, V>(cache: Map<K, V>, key: K, limit: number, compute: () => V): V {
  const found = cache.get(key);
  return found !== undefined ? found : remember(cache, key, compute(), limit);
}
