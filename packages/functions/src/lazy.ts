/**
 * An object whose every property is built by its own function when first read, then kept: how adapters and
 * handlers are composed, so a function (or an execution environment) builds only what it reads.
 */
export function lazy<T extends object>(builders: { [K in keyof T]: () => T[K] }): T {
  const built: Partial<T> = {};
  const object = {} as T;
  for (const name of Object.keys(builders) as (keyof T)[]) {
    Object.defineProperty(object, name, { enumerable: true, get: () => (name in built ? built[name] : (built[name] = builders[name]())) });
  }
  return object;
}
