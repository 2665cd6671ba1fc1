// Knotwork's JavaScript side: n8n's `$` names over JSON data sent by Python, evaluation of
// `{{ }}` templates for many items in one call, and the JavaScript Code node.
// Runs once per context after luxon, jmespath and extensions.js; leaves one global, `__kw`,
// which Python takes the functions from before harden.js deletes it and freezes every object
// reachable from the global object, so user code cannot change built-ins for later evaluations. The Function constructors are poisoned (no way back
// to the sloppy global object), and user functions get the blocked names as parameters.
Object.defineProperty(this, '__kw', { configurable: true, value: (function (global) {
  'use strict';
  const luxon = global.luxon, jmes = global.jmespath;
  const { DateTime, Duration, Interval, Settings } = luxon;
  const objectExtensions = global.__kwInstallExtensions(luxon);
  const RealFunction = Function;

  class ExpressionError extends Error {
    constructor(message, type, description) {
      super(message);
      this.name = 'ExpressionError';
      this.kwType = type || 'expression';
      this.description = description;
    }
  }
  const fail = (message, type, description) => { throw new ExpressionError(message, type, description); };
  const SECURITY = 'Cannot access "constructor" due to security concerns';
  for (const fn of [function () {}, async function () {}, function* () {}, async function* () {}]) {
    Object.defineProperty(Object.getPrototypeOf(fn), 'constructor', {
      get() { throw new ExpressionError(SECURITY, 'security'); },
      set() { throw new ExpressionError(SECURITY, 'security'); },
      configurable: false,
    });
  }
  const BLOCKED = ['globalThis', 'global', 'window', 'self', 'process', 'require', 'module', 'exports',
    'document', 'Function', 'setTimeout', 'setInterval', 'clearTimeout', 'luxon', 'jmespath', '__kw',
    '__kwInstallExtensions', '__kwHash', 'CryptoJS', 'WebAssembly'];
  const EMPTY = Object.freeze({});

  // ---- the data of the current call --------------------------------------------------------
  let D = null; // payload: ctx, nodes, paired, items
  const loaded = { token: null, items: [] };

  const nodeInfo = (name) => {
    const info = D.nodes[name];
    if (info) return info;
    if (D.allNodes.includes(name)) fail(`No data for node '${name}' was prepared for this expression`, 'no_node_execution_data');
    return fail(`Referenced node doesn't exist: '${name}'`, 'node_not_found',
      'Check the node name; expressions refer to nodes by their exact name.');
  };
  const output = (name, branch, run) => {
    const info = nodeInfo(name);
    if (!info.runs || !info.runs.length) {
      fail(`Referenced node is unexecuted: '${name}'`, 'no_node_execution_data',
        `'${name}' has not run in this execution, so there is no data to read. Check that it runs before this node.`);
    }
    const r = run === undefined || run === null || run === -1 ? info.runs.length - 1 : run;
    if (r < 0 || r >= info.runs.length) fail(`Run ${r} of node '${name}' does not exist (it ran ${info.runs.length} time(s))`, 'no_node_execution_data');
    const b = branch === undefined || branch === null ? info.defaultBranch : branch;
    return info.runs[r][b] || [];
  };
  const paired = (name, index) => {
    const table = D.paired[name];
    if (!table) fail(`Paired item data for '${name}' was not prepared`, 'paired_item_no_info');
    const found = table[index];
    if (found === undefined || found === null) fail(`Item ${index} does not exist in the input of this node`, 'paired_item_invalid_info');
    if (Array.isArray(found)) return nodeInfo(name).runs[found[0]][found[1]][found[2]];
    if (found.item) return found.item;
    const e = new ExpressionError(found.error.message, found.error.type, found.error.description);
    throw e;
  };
  const accessor = (name, itemIndex) => {
    nodeInfo(name);
    return {
      get isExecuted() { return nodeInfo(name).executed; },
      all: (branch, run) => output(name, branch, run),
      first: (branch, run) => output(name, branch, run)[0],
      last: (branch, run) => { const items = output(name, branch, run); return items[items.length - 1]; },
      get item() {
        if (itemIndex === null) fail("Can't use .item here", 'paired_item_no_info', "Use .first(), .last(), .all() or .itemMatching(index) in 'Run Once for All Items' mode.");
        return paired(name, itemIndex);
      },
      itemMatching: (index) => paired(name, index),
      pairedItem: (index) => paired(name, index === undefined ? itemIndex || 0 : index),
      get params() { return nodeInfo(name).params; },
      get context() { return nodeInfo(name).context || {}; },
    };
  };
  const legacyNodes = (itemIndex) => new Proxy(EMPTY, {
    get(_, name) {
      if (typeof name !== 'string') return undefined;
      const info = nodeInfo(name);
      const item = () => (info.runs && info.runs.length ? output(name, 0, -1)[itemIndex] : undefined);
      return {
        get json() { const i = item(); return i ? i.json : undefined; },
        get binary() { const i = item(); return i ? i.binary || {} : undefined; },
        get data() { const i = item(); return i ? i.json : undefined; },
        get parameter() { return info.params; },
        get context() { return info.context || {}; },
        get runIndex() { return Math.max((info.runs || []).length - 1, 0); },
      };
    },
  });
  const helpers = {
    $jmespath: (data, expression) => jmes.search(data, expression),
    $if: (condition, a, b) => (condition ? a : b),
    $ifEmpty: (value, fallback) => (value === undefined || value === null || value === '' ||
      (Array.isArray(value) && !value.length) || (typeof value === 'object' && value !== null &&
      !Array.isArray(value) && !Object.keys(value).length) ? fallback : value),
    $min: (...values) => Math.min(...values),
    $max: (...values) => Math.max(...values),
    $average: (...values) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0),
    $not: (value) => !value,
  };
  helpers.$jmesPath = helpers.$jmespath;

  // What each `$` name is for item `i` (null: no current item, Code node all-items mode).
  const resolvers = {
    $json: (i) => (i !== null && loaded.items[i] ? loaded.items[i].json : undefined),
    $data: (i) => resolvers.$json(i),
    $binary: (i) => (i !== null && loaded.items[i] ? loaded.items[i].binary || {} : {}),
    $input: (i) => ({
      item: i === null ? undefined : loaded.items[i],
      all: () => loaded.items,
      first: () => loaded.items[0],
      last: () => loaded.items[loaded.items.length - 1],
      params: D.ctx.parameters,
      context: D.ctx.context || {},
    }),
    $: (i) => (name) => accessor(name, i),
    $node: (i) => legacyNodes(i === null ? 0 : i),
    $items: () => (name, branch, run) => (name === undefined ? loaded.items : output(name, branch || 0, run)),
    $item: () => (index) => ({ $json: resolvers.$json(index), $binary: resolvers.$binary(index), $node: legacyNodes(index) }),
    $thisItem: (i) => (i === null ? undefined : loaded.items[i]),
    $prevNode: () => D.ctx.prevNode,
    $runIndex: () => D.ctx.runIndex,
    $thisRunIndex: () => D.ctx.runIndex,
    $itemIndex: (i) => (i === null ? 0 : i),
    $thisItemIndex: (i) => (i === null ? 0 : i),
    $workflow: () => D.ctx.workflow,
    $execution: () => D.execution,
    $executionId: () => D.ctx.execution.id,
    $vars: () => D.ctx.vars,
    $secrets: () => ({}),
    $env: () => fail('access to env vars denied', 'env_access',
      'Environment variables are not available to expressions and Code nodes.'),
    $parameter: () => D.ctx.parameters,
    $rawParameter: () => D.ctx.parameters,
    $mode: () => D.ctx.mode,
    $nodeVersion: () => D.ctx.nodeVersion,
    $nodeId: () => D.ctx.nodeId,
    $webhookId: () => D.ctx.webhookId,
    $now: () => D.now,
    $today: () => D.today,
    $response: () => D.ctx.extra.$response,
    $request: () => D.ctx.extra.$request,
    $pageCount: () => D.ctx.extra.$pageCount,
    DateTime: () => DateTime,
    Duration: () => Duration,
    Interval: () => Interval,
    items: () => loaded.items,
    item: (i) => (i === null ? undefined : loaded.items[i]),
    console: () => D.console,
    $getWorkflowStaticData: () => (type) => {
      if (!D.staticData) fail('Static data is not available here', 'static_data');
      return type === 'global' ? D.staticData.global : D.staticData.node;
    },
  };
  for (const name of Object.keys(helpers)) resolvers[name] = () => helpers[name];
  for (const name of BLOCKED) resolvers[name] = () => EMPTY;
  const IDENTIFIER = /[$A-Za-z_][$\w]*/g;

  // ---- compiling user code --------------------------------------------------------------
  const compiled = new Map();
  function compile(kind, code) {
    const key = kind + '\u0000' + code;
    let entry = compiled.get(key);
    if (entry) return entry;
    const used = new Set(code.match(IDENTIFIER) || []);
    const names = Object.keys(resolvers).filter((n) => used.has(n) && (kind !== 'expression' || !['items', 'item', 'console'].includes(n)));
    // Code runs in an inner function, so `const items = ...` shadows the `$` names instead of
    // clashing with them; the user's first line is line 5 of the whole function (CODE_LINE).
    const inner = /\bawait\b/.test(code) ? 'async function' : 'function';
    // Code nodes: n8n runs them sloppy, so `for (i = 0; ...)` or `fieldName = 'id'` make globals
    // there. Here such names land in a scope object of the run (CODE_SCOPE) instead of the frozen
    // global, while the code itself stays strict (`this` is never the global object).
    const body = kind === 'expression' ? `'use strict';\nreturn (\n${code}\n);`
      : `\nwith (__kwScope) { return (${inner} () { 'use strict';\n${code}\n}).call(this); }`;
    try {
      const params = kind === 'expression' ? names : [...names, '__kwScope'];
      entry = { fn: RealFunction(...params, body), resolvers: names.map((n) => resolvers[n]),
        scoped: kind !== 'expression', names: new Set(names) };
    } catch (error) {
      entry = { error };
    }
    if (compiled.size > 2000) compiled.clear();
    compiled.set(key, entry);
    return entry;
  }
  const CODE_LINE = 5;
  const THIS = Object.freeze({});
  // The run's own variables: every free name that is neither a `$` name nor a global resolves
  // here, so assigning one creates it (as n8n's sloppy-mode vm does) and reading one never
  // assigned fails as in JavaScript ("x is not defined"; so does `typeof x` here, unlike n8n).
  const CODE_SCOPE = (names) => new Proxy(Object.create(null), {
    has: (target, key) => typeof key === 'string' && !names.has(key) && !(key in global) && key !== '__kwScope',
    get: (target, key) => {
      if (key === Symbol.unscopables) return undefined;
      if (!(key in target)) throw new ReferenceError(`${String(key)} is not defined`);
      return target[key];
    },
    set: (target, key, value) => { target[key] = value; return true; },
  });
  const run = (entry, i, scope) => {
    if (entry.error) throw entry.error;
    const args = entry.resolvers.map((resolve) => resolve(i));
    if (entry.scoped) args.push(scope || CODE_SCOPE(entry.names));
    return entry.fn.apply(THIS, args);
  };

  // ---- expressions ----------------------------------------------------------------------
  const FATAL = /Invalid (string|array|typed array) length|Maximum call stack|Array buffer allocation failed|out of memory/i;
  function evaluateSegment(entry, i) {
    try {
      return run(entry, i);
    } catch (error) {
      if (error instanceof ExpressionError || error instanceof SyntaxError) throw error;
      if (error instanceof RangeError && FATAL.test(error.message)) throw error;
      if (error instanceof TypeError && / is not a function/.test(error.message)) throw error;
      return undefined; // n8n: ordinary runtime errors (x of undefined) read as undefined
    }
  }
  const joinable = (v) => (v || v === 0 || v === false ? v : '');
  function render(parts, i) {
    if (parts.length === 1 && typeof parts[0] !== 'string') return evaluateSegment(parts[0], i);
    return parts.map((p) => (typeof p === 'string' ? p : joinable(evaluateSegment(p, i)))).join('');
  }
  function prepare(json) {
    D = JSON.parse(json);
    if (D.items) { loaded.token = D.itemsToken; loaded.items = D.items; }
    else if (D.itemsToken !== loaded.token) throw new Error('items of this node were not loaded');
    const ctx = D.ctx;
    Settings.defaultZone = ctx.timezone;
    D.now = DateTime.fromMillis(ctx.now, { zone: ctx.timezone });
    D.today = D.now.startOf('day');
    const custom = {};
    D.execution = { ...ctx.execution, customData: {
      set: (k, v) => { custom[k] = String(v); }, setAll: (o) => Object.assign(custom, o),
      get: (k) => custom[k], getAll: () => ({ ...custom }) } };
    D.logs = [];
    const log = (...args) => { D.logs.push(args.map(show).join(' ')); };
    D.console = Object.freeze({ log, info: log, warn: log, error: log, debug: log });
  }
  function describe(error) {
    if (error instanceof ExpressionError) return { message: error.message, type: error.kwType, description: error.description || null };
    if (error instanceof SyntaxError) return { message: `invalid syntax: ${error.message}`, type: 'syntax' };
    const name = (error && error.name) || 'Error';
    const message = error && error.message !== undefined ? error.message : String(error);
    const match = /, <anonymous>:(\d+):\d+\)/.exec((error && error.stack) || '');
    return { message: FATAL.test(message) ? `${name}: ${message}` : message, type: name, line: match ? Number(match[1]) - CODE_LINE + 1 : null };
  }
  function show(value) {
    if (typeof value === 'string') return value;
    try { return JSON.stringify(value); } catch (e) { return String(value); }
  }
  const replacer = (key, value) => (typeof value === 'bigint' ? value.toString() : value);
  function encode(out) {
    try { return JSON.stringify(out, replacer); } catch (error) {
      return JSON.stringify(out.map((entry) => {
        try { JSON.stringify(entry, replacer); return entry; } catch (e) { return [2, { message: `The result cannot be stored as JSON: ${e.message}`, type: 'result' }]; }
      }), replacer);
    }
  }
  function evaluate(json) {
    prepare(json);
    try {
      const parts = D.parts.map(([isCode, text]) => (isCode ? compile('expression', text) : text));
      const max = D.maxSize;
      const out = [];
      for (const i of D.indexes) {
        try {
          const value = render(parts, i);
          if (typeof value === 'string' && value.length > max) throw new ExpressionError(`the result is longer than ${max} characters`, 'limit');
          out.push(value === undefined ? [1] : [0, value]);
        } catch (error) {
          out.push([2, describe(error)]);
        }
      }
      return encode(out);
    } finally {
      D = null;
    }
  }

  // ---- the Code node ----------------------------------------------------------------------
  function codeResult(json) {
    const entry = compile(D.mode, D.code);
    if (entry.error) return finish({ error: describe(entry.error) });
    const scope = entry.error ? null : CODE_SCOPE(entry.names);  // shared by the items, as n8n's globals are
    if (D.mode === 'runOnceForEachItem') {
      const results = [];
      for (let i = 0; i < loaded.items.length; i += 1) {
        let value;
        try { value = run(entry, i, scope); } catch (error) { return finish({ error: { ...describe(error), itemIndex: i } }); }
        if (value && typeof value.then === 'function') return value.then((v) => eachDone(results, i, v, entry, scope), (e) => finish({ error: { ...describe(e), itemIndex: i } }));
        results.push([i, value]);
      }
      return finish({ each: results });
    }
    let value;
    try { value = run(entry, null, scope); } catch (error) { return finish({ error: describe(error) }); }
    if (value && typeof value.then === 'function') return value.then((v) => finish({ all: v }), (e) => finish({ error: describe(e) }));
    return finish({ all: value });
  }
  function eachDone(results, i, value, entry, scope) {
    results.push([i, value]);
    for (let k = i + 1; k < loaded.items.length; k += 1) {
      try { results.push([k, run(entry, k, scope)]); } catch (error) { return finish({ error: { ...describe(error), itemIndex: k } }); }
    }
    return Promise.all(results.map(([k, v]) => Promise.resolve(v).then((x) => [k, x]))).then((all) => finish({ each: all }));
  }
  function finish(answer) {
    answer.logs = D.logs;
    if (D.staticData) answer.staticData = D.staticData;
    try { return encode(answer); } finally { D = null; }
  }
  function runCode(json) {
    prepare(json);
    try { return codeResult(json); } catch (error) { return finish({ error: describe(error) }); }
  }

  const api = Object.freeze({ evaluate, runCode, loadItems: (token, json) => { loaded.token = token; loaded.items = JSON.parse(json); } });
  for (const name of ['eval', 'console', 'setTimeout', 'clearTimeout', '__timer_manager', 'luxon', 'jmespath',
    '__kwInstallExtensions', '__kwHash', 'CryptoJS', 'WebAssembly']) {
    try { delete global[name]; } catch (e) { global[name] = undefined; /* not configurable: emptied */ }
  }
  void objectExtensions;
  return api;
})(this) });
