/**
 * The entry `name` of a config map, only when the map itself holds it: a name from a payload such as
 * `constructor` or `__proto__` never reaches an inherited property.
 * @example entryOf(estate.services, "constructor") // undefined
 */
export function entryOf<T>(map: Readonly<Record<string, T>> | undefined, name: string): T | undefined {
  return map !== undefined && Object.hasOwn(map, name) ? map[name] : undefined;
}
