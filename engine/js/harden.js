// Last step of a context's setup (engine/js/runtime.py), after Python took the prelude's functions:
// the `__kw` global goes, and everything reachable from the global object is frozen.
delete globalThis.__kw;

// Assigning `err.name = ...` or `obj.toString = ...` must keep working once the prototypes
// are frozen (the "override mistake"): these properties become accessors whose setter gives
// the receiver its own property.
(function tameOverrides() {
  'use strict';
  const errors = [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError];
  for (const proto of [Object.prototype, Array.prototype, ...errors.map((e) => e.prototype)]) {
    for (const key of Reflect.ownKeys(proto)) {
      const d = Object.getOwnPropertyDescriptor(proto, key);
      if (!('value' in d) || !d.writable || !d.configurable) continue;
      const value = d.value;
      Object.defineProperty(proto, key, {
        get() { return value; },
        set(next) {
          if (this === proto) throw new TypeError(`Cannot assign to read only property '${String(key)}'`);
          Object.defineProperty(this, key, { value: next, writable: true, enumerable: true, configurable: true });
        },
        enumerable: d.enumerable,
        configurable: false,
      });
    }
  }
})();

(function harden(root) {
  'use strict';
  const seen = new Set();
  const stack = [root];
  while (stack.length) {
    const value = stack.pop();
    if (value === null || (typeof value !== 'object' && typeof value !== 'function') || seen.has(value)) continue;
    seen.add(value);
    try { Object.freeze(value); } catch (e) { /* typed arrays with elements cannot be frozen */ }
    stack.push(Object.getPrototypeOf(value));
    for (const key of Reflect.ownKeys(value)) {
      const d = Object.getOwnPropertyDescriptor(value, key);
      if (!d) continue;
      if ('value' in d) stack.push(d.value); else stack.push(d.get, d.set);
    }
  }
})(this);
