// n8n's `'text'.hash(algorithm)`, computed as n8n computes it: with crypto-js (vendor/crypto-js),
// hex digests of the UTF-8 text (`sha3` is crypto-js's SHA3, 512 bits), and `base64`.
// Defines one global, `__kwHash`, which extensions.js takes and the prelude removes (with CryptoJS).
var __kwHash = (function (C) {
  'use strict';
  const algorithms = {
    md5: C.MD5, sha1: C.SHA1, sha224: C.SHA224, sha256: C.SHA256, sha384: C.SHA384, sha512: C.SHA512,
    sha3: C.SHA3, ripemd160: C.RIPEMD160,
  };
  return function hash(text, algorithm, base64) {
    const name = String(algorithm || 'md5').toLowerCase().replace('-', '');
    if (name === 'base64') return base64(String(text));
    const digest = Object.prototype.hasOwnProperty.call(algorithms, name) ? algorithms[name] : null;
    if (!digest) {
      throw new Error(`Unknown hash algorithm: ${algorithm} (${Object.keys(algorithms).join(', ')} or base64)`);
    }
    return digest(String(text)).toString(C.enc.Hex);
  };
})(CryptoJS);
