/** Runs around one call of an intercepted method; call `proceed` to go on to the next interceptor, then the method itself. */
export type Around<A extends unknown[], R> = (args: A, proceed: (...args: A) => R) => R;

interface Interception {
  /** The method's own property before the first interceptor, if it had one (otherwise it came from the prototype). */
  readonly own?: PropertyDescriptor;
  readonly original: (...args: unknown[]) => unknown;
  readonly chain: Array<Around<unknown[], unknown>>;
}

const interceptions = new WeakMap<object, Map<PropertyKey, Interception>>();

/**
 * Puts `around` in front of `target[method]` on this one instance (its class
 * and identity stay as they are, so `instanceof` checks and the references
 * other providers hold keep working). Several interceptors stack, the first
 * installed outermost, and each may be removed in any order: the returned
 * function removes this one, and the method is restored once none is left.
 */
export function intercept<T extends object, A extends unknown[], R>(target: T, method: keyof T & PropertyKey, around: Around<A, R>): () => void {
  let methods = interceptions.get(target);
  if (!methods) interceptions.set(target, (methods = new Map()));
  let interception = methods.get(method);
  if (!interception) {
    const original = target[method] as (...args: unknown[]) => unknown;
    const entry: Interception = { own: Object.getOwnPropertyDescriptor(target, method), original, chain: [] };
    interception = entry;
    methods.set(method, entry);
    const call = function (this: unknown, ...args: unknown[]): unknown {
      const step = (index: number, stepArgs: unknown[]): unknown =>
        index < entry.chain.length ? entry.chain[index](stepArgs, (...next) => step(index + 1, next)) : entry.original.apply(this, stepArgs);
      return step(0, args);
    };
    Object.defineProperty(target, method, { value: call, configurable: true, writable: true, enumerable: false });
  }
  const link = around as unknown as Around<unknown[], unknown>;
  interception.chain.push(link);
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    const current = methods.get(method);
    if (!current) return;
    current.chain.splice(current.chain.indexOf(link), 1);
    if (current.chain.length) return;
    methods.delete(method);
    if (current.own) Object.defineProperty(target, method, current.own);
    else delete (target as Record<PropertyKey, unknown>)[method];
  };
}
