// A teacher's override code, computed with WebCrypto from docs/policy.md's description alone,
// independently of the core: the package's tests (override.test.mjs) and the extension's browser
// test (tests/extension/overrides.test.mjs) check the core against it.

/** HMAC-SHA256 with WebCrypto. */
async function hmac(key, bytes) {
  const k = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, bytes));
}

/**
 * The code for a site and group at a moment (Unix seconds): `{code, step, acceptedUntil}`.
 * Key: HMAC-SHA256(secret, "schoolgate override-code/1\0" group "\0" site "\0"); code: RFC 6238
 * TOTP with HMAC-SHA256, 6 digits, 300-second steps from the epoch.
 */
export async function codeFor(secretText, site, group, at) {
  const secret = Uint8Array.from(secretText.slice(5).match(/../g), (h) => parseInt(h, 16));
  const key = await hmac(secret, new TextEncoder().encode(`schoolgate override-code/1\0${group}\0${site}\0`));
  const step = Math.floor(at / 300);
  const counter = new Uint8Array(8);
  new DataView(counter.buffer).setBigUint64(0, BigInt(step));
  const h = await hmac(key, counter);
  const o = h[31] & 15;
  const word = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return { code: String(word % 1_000_000).padStart(6, '0'), step, acceptedUntil: step * 300 + 600 };
}
