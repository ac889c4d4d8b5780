/** Some of the stores (or settings), by name: a service gets the ones it uses, and no other. */
export function pick<T, K extends keyof T>(from: T, ...names: K[]): Pick<T, K> {
  return Object.fromEntries(names.map((name) => [name, from[name]])) as Pick<T, K>;
}
