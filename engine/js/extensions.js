// n8n's extension functions (n8n-reference.md §c), installed as non-enumerable methods on the
// built-in prototypes before they are frozen. Object extensions are not put on Object.prototype
// (they would shadow missing JSON keys); expressions reach them through `__kw_<name>` methods that the
// Python side rewrites `.name(` calls into (engine/js/rewrite.py).
// Defines one global, `__kwInstallExtensions`, which the prelude calls once and deletes.
var __kwInstallExtensions = function (luxon) {
  'use strict';
  const { DateTime, Duration } = luxon;
  const define = (proto, name, fn) =>
    Object.defineProperty(proto, name, { value: fn, writable: false, enumerable: false, configurable: false });
  const defineAll = (proto, table) => { for (const name of Object.keys(table)) define(proto, name, table[name]); };
  const isPlain = (v) => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date) && !DateTime.isDateTime(v);
  const emptyish = (v) => v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0) ||
    (isPlain(v) && Object.keys(v).length === 0);
  const deepEqual = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  const unitOf = (u) => { const s = String(u || 'milliseconds'); return s.endsWith('s') ? s : s + 's'; };
  const toDT = (v) => {
    if (DateTime.isDateTime(v)) return v;
    if (v instanceof Date) return DateTime.fromJSDate(v);
    if (typeof v === 'number') return DateTime.fromMillis(v);
    if (typeof v === 'string') {
      for (const parse of [DateTime.fromISO, DateTime.fromRFC2822, DateTime.fromHTTP, DateTime.fromSQL]) {
        const parsed = parse.call(DateTime, v);
        if (parsed.isValid) return parsed;
      }
      const ms = Date.parse(v);
      if (!Number.isNaN(ms)) return DateTime.fromMillis(ms);
    }
    throw new Error('Cannot convert to a date: ' + String(v));
  };
  const b64 = {
    enc(text) { return btoaUtf8(text); },
    dec(text) { return atobUtf8(text); },
  };
  const CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  function btoaUtf8(text) {
    const bytes = unescape(encodeURIComponent(text));
    let out = '';
    for (let i = 0; i < bytes.length; i += 3) {
      const a = bytes.charCodeAt(i), b = bytes.charCodeAt(i + 1), c = bytes.charCodeAt(i + 2);
      out += CHARS[a >> 2] + CHARS[((a & 3) << 4) | (b >> 4 || 0)] +
        (i + 1 < bytes.length ? CHARS[((b & 15) << 2) | (c >> 6 || 0)] : '=') + (i + 2 < bytes.length ? CHARS[c & 63] : '=');
    }
    return out;
  }
  function atobUtf8(text) {
    const clean = String(text).replace(/[^A-Za-z0-9+/]/g, '');
    let bytes = '';
    for (let i = 0; i < clean.length; i += 4) {
      const n = [0, 1, 2, 3].map((k) => CHARS.indexOf(clean[i + k]));
      bytes += String.fromCharCode((n[0] << 2) | (n[1] >> 4));
      if (n[2] >= 0) bytes += String.fromCharCode(((n[1] & 15) << 4) | (n[2] >> 2));
      if (n[3] >= 0) bytes += String.fromCharCode(((n[2] & 3) << 6) | n[3]);
    }
    return decodeURIComponent(escape(bytes));
  }
  const words = (s) => String(s).replace(/([a-z0-9])([A-Z])/g, '$1 $2').split(/[^A-Za-z0-9]+/).filter(Boolean);
  const EMAIL = /[\w.+-]+@[\w-]+\.[\w.-]+/;
  const URL_RE = /https?:\/\/[^\s"'<>]+/;

  const hashText = __kwHash;
  const string = {
    hash(algorithm) { return hashText(String(this), algorithm, b64.enc); },
    isEmpty() { return this.length === 0; },
    isNotEmpty() { return this.length > 0; },
    toJsonString() { return JSON.stringify(String(this)); },
    parseJson() { return JSON.parse(this); },
    toNumber() { const n = Number(this); if (Number.isNaN(n)) throw new Error('Could not convert to number'); return n; },
    toFloat() { return parseFloat(this); },
    toDecimalNumber() { return parseFloat(this); },
    toInt() { return parseInt(this, 10); },
    toWholeNumber() { return parseInt(this, 10); },
    toBoolean() { const s = this.trim().toLowerCase(); return !['', 'false', 'no', '0', 'f', 'n', 'off'].includes(s); },
    toDate() { return toDT(String(this)).toJSDate(); },
    toDateTime(format) { return format ? DateTime.fromFormat(String(this), format) : toDT(String(this)); },
    toSnakeCase() { return words(this).map((w) => w.toLowerCase()).join('_'); },
    toTitleCase() { return String(this).replace(/\w\S*/g, (w) => w[0].toUpperCase() + w.slice(1).toLowerCase()); },
    toSentenceCase() { const s = String(this).toLowerCase(); return s.replace(/(^\s*\w|[.!?]\s+\w)/g, (m) => m.toUpperCase()); },
    urlEncode(all) { return all ? encodeURIComponent(this) : encodeURI(this); },
    urlDecode(all) { return all ? decodeURIComponent(this) : decodeURI(this); },
    quote(mark = '"') { return mark + String(this).replaceAll(mark, '\\' + mark) + mark; },
    removeTags() { return String(this).replace(/<[^>]*>?/g, ''); },
    removeMarkdown() { return String(this).replace(/[*_`~#>]+/g, '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').trim(); },
    replaceSpecialChars() { return String(this).normalize('NFD').replace(/[\u0300-\u036f]/g, ''); },
    isNumeric() { return this.trim() !== '' && !Number.isNaN(Number(this)); },
    isEmail() { return /^[\w.+-]+@[\w-]+(\.[\w-]+)+$/.test(this); },
    isUrl() { return /^https?:\/\/[^\s.]+\.\S+$/.test(this); },
    isDomain() { return /^([a-z0-9-]+\.)+[a-z]{2,}$/i.test(this); },
    extractEmail() { const m = String(this).match(EMAIL); return m ? m[0] : undefined; },
    extractUrl() { const m = String(this).match(URL_RE); return m ? m[0] : undefined; },
    extractDomain() {
      const m = String(this).match(/(?:https?:\/\/)?(?:[^@\s/]+@)?([a-z0-9-]+(?:\.[a-z0-9-]+)+)/i);
      return m ? m[1] : undefined;
    },
    extractUrlPath() { const m = String(this).match(/^https?:\/\/[^/]+(\/[^?#]*)?/); return m ? (m[1] || '/') : undefined; },
    base64Encode() { return b64.enc(String(this)); },
    base64Decode() { return b64.dec(String(this)); },
  };
  const number = {
    ceil() { return Math.ceil(this); },
    floor() { return Math.floor(this); },
    abs() { return Math.abs(this); },
    round(decimals = 0) { const f = 10 ** decimals; return Math.round(this * f) / f; },
    format(locale, options) { return new Intl.NumberFormat(locale, options).format(this); },
    isInteger() { return Number.isInteger(Number(this)); },
    isEven() { return Number(this) % 2 === 0; },
    isOdd() { return Math.abs(Number(this) % 2) === 1; },
    isEmpty() { return false; },
    isNotEmpty() { return true; },
    toBoolean() { return Number(this) !== 0; },
    toInt() { return Math.trunc(this); },
    toFloat() { return Number(this); },
    toNumber() { return Number(this); },
    toJsonString() { return JSON.stringify(Number(this)); },
    toDateTime(format) {
      const n = Number(this);
      if (format === 'ms') return DateTime.fromMillis(n);
      if (format === 's') return DateTime.fromSeconds(n);
      if (format === 'excel') return DateTime.fromMillis((n - 25569) * 86400000, { zone: 'UTC' });
      return DateTime.fromMillis(n);
    },
  };
  const key = (item, field) => (field === undefined ? item : item && item[field]);
  const array = {
    isEmpty() { return this.length === 0; },
    isNotEmpty() { return this.length > 0; },
    first() { return this[0]; },
    last() { return this[this.length - 1]; },
    sum() { return this.reduce((a, b) => a + Number(b), 0); },
    min() { return Math.min(...this); },
    max() { return Math.max(...this); },
    average() { return this.length ? array.sum.call(this) / this.length : 0; },
    compact() { return this.filter((v) => !emptyish(v)).map((v) => (isPlain(v) ? object.compact.call(v) : v)); },
    removeDuplicates(...fields) {
      const seen = [];
      return this.filter((v) => {
        const k = JSON.stringify(fields.length ? fields.map((f) => key(v, f)) : v);
        if (seen.includes(k)) return false;
        seen.push(k);
        return true;
      });
    },
    unique(...fields) { return array.removeDuplicates.apply(this, fields); },
    pluck(...fields) {
      if (!fields.length) return this.slice();
      return this.map((v) => (fields.length === 1 ? key(v, fields[0]) : fields.map((f) => key(v, f))))
        .filter((v) => v !== undefined);
    },
    randomItem() { return this[Math.floor(Math.random() * this.length)]; },
    chunk(size) { const out = []; for (let i = 0; i < this.length; i += size) out.push(this.slice(i, i + size)); return out; },
    smartJoin(keyField, valueField) {
      const out = {};
      for (const v of this) if (isPlain(v)) out[v[keyField]] = v[valueField];
      return out;
    },
    renameKeys(...pairs) {
      return this.map((v) => {
        if (!isPlain(v)) return v;
        const copy = { ...v };
        for (let i = 0; i + 1 < pairs.length; i += 2) if (pairs[i] in copy) { copy[pairs[i + 1]] = copy[pairs[i]]; delete copy[pairs[i]]; }
        return copy;
      });
    },
    merge(...others) {
      const out = {};
      for (const v of this.concat(...others)) if (isPlain(v)) Object.assign(out, v);
      return out;
    },
    union(other) { return array.removeDuplicates.call(this.concat(other)); },
    difference(other) { return this.filter((v) => !other.some((o) => deepEqual(o, v))); },
    intersection(other) { return array.removeDuplicates.call(this.filter((v) => other.some((o) => deepEqual(o, v)))); },
    append(...values) { return this.concat(values); },
    toJsonString() { return JSON.stringify(this); },
  };
  const object = {
    isEmpty() { return Object.keys(this).length === 0; },
    isNotEmpty() { return Object.keys(this).length > 0; },
    hasField(field) { return Object.prototype.hasOwnProperty.call(this, field); },
    removeField(field) { const copy = { ...this }; delete copy[field]; return copy; },
    removeFieldsContaining(text) {
      return Object.fromEntries(Object.entries(this).filter(([, v]) => !(typeof v === 'string' && v.includes(text))));
    },
    keepFieldsContaining(text) {
      return Object.fromEntries(Object.entries(this).filter(([, v]) => typeof v === 'string' && v.includes(text)));
    },
    compact() {
      return Object.fromEntries(Object.entries(this).filter(([, v]) => !emptyish(v))
        .map(([k, v]) => [k, isPlain(v) ? object.compact.call(v) : v]));
    },
    urlEncode() { return Object.entries(this).map(([k, v]) => encodeURIComponent(k) + '=' + encodeURIComponent(v)).join('&'); },
    keys() { return Object.keys(this); },
    values() { return Object.values(this); },
    toJsonString() { return JSON.stringify(this); },
    merge(other) { return { ...(isPlain(other) ? other : {}), ...this }; },
  };
  const boolean = {
    toBoolean() { return Boolean(this.valueOf()); },
    toInt() { return this.valueOf() ? 1 : 0; },
    toFloat() { return this.valueOf() ? 1 : 0; },
    toNumber() { return this.valueOf() ? 1 : 0; },
    isEmpty() { return false; },
    isNotEmpty() { return true; },
  };
  // Dates: for both JS Date and Luxon DateTime (n8n's date extensions accept either).
  const date = {
    toDateTime() { return toDT(this); },
    beginningOf(unit = 'week') { return toDT(this).startOf(unit); },
    endOfMonth() { return toDT(this).endOf('month'); },
    extract(unit = 'week') {
      const d = toDT(this);
      const u = String(unit).replace(/s$/, '');
      if (u === 'week' || u === 'weekNumber') return d.weekNumber;
      if (u === 'yearDayNumber' || u === 'dayOfYear') return d.ordinal;
      return d.get(u === 'weekday' ? 'weekday' : u);
    },
    isBetween(a, b) { const d = toDT(this); const x = toDT(a), y = toDT(b); return d > (x < y ? x : y) && d < (x < y ? y : x); },
    isDst() { return toDT(this).isInDST; },
    isInLast(n = 0, unit = 'minutes') { const d = toDT(this); const now = DateTime.now(); return d >= now.minus({ [unitOf(unit)]: n }) && d <= now; },
    isWeekend() { return [6, 7].includes(toDT(this).weekday); },
    format(fmt) { return toDT(this).toFormat(fmt); },
    diffTo(other, unit = 'days') {
      const units = Array.isArray(unit) ? unit.map(unitOf) : unitOf(unit);
      const d = toDT(this).diff(toDT(other), units);
      return Array.isArray(unit) ? d.toObject() : d.as(units);
    },
    diffToNow(unit = 'days') { return date.diffTo.call(this, DateTime.now(), unit); },
    isEmpty() { return false; },
    isNotEmpty() { return true; },
  };
  // n8n's `plus(n, unit)` / `minus(n, unit)` beside Luxon's own forms.
  const shift = (native, sign) => function (amount, unit) {
    if (typeof amount === 'number' && unit !== undefined) return native.call(this, { [unitOf(unit)]: amount });
    if (typeof amount === 'string' && unit !== undefined) return native.call(this, { [unitOf(unit)]: Number(amount) });
    return native.call(this, amount);
  };
  const dtProto = DateTime.prototype;
  const nativePlus = dtProto.plus, nativeMinus = dtProto.minus;
  Object.defineProperty(dtProto, 'plus', { value: shift(nativePlus, 1), writable: false, configurable: false });
  Object.defineProperty(dtProto, 'minus', { value: shift(nativeMinus, -1), writable: false, configurable: false });
  const dateOnJs = {
    plus(n, unit) { return toDT(this).plus(typeof n === 'number' && unit !== undefined ? { [unitOf(unit)]: n } : n).toJSDate(); },
    minus(n, unit) { return toDT(this).minus(typeof n === 'number' && unit !== undefined ? { [unitOf(unit)]: n } : n).toJSDate(); },
  };
  defineAll(String.prototype, string);
  defineAll(Number.prototype, number);
  defineAll(Array.prototype, array);
  defineAll(Boolean.prototype, boolean);
  defineAll(Date.prototype, { ...date, ...dateOnJs });
  defineAll(dtProto, date);
  void Duration;
  // Object extensions live on Object.prototype under mangled names (`__kw_keys`), which the
  // rewritten calls use: a method of the value wins (Map#keys, String#isEmpty...), then the
  // object extension for plain objects.
  const names = Object.keys(object);
  for (const name of names) {
    define(Object.prototype, '__kw_' + name, function (...args) {
      const own = this[name];
      if (typeof own === 'function') return own.apply(this, args);
      if (isPlain(this)) return object[name].apply(this, args);
      throw new TypeError(`${name} is not a function`);
    });
  }
  return names;
};
