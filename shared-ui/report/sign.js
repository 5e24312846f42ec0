// Signing a report for the school's endpoint: HMAC-SHA256 over the exact bytes of the body, with
// the key the Admin console sets (`reportSigningKey`). WebCrypto only, so the service worker, the
// demo page and Node (the test receiver) compute it the same way.
//
// The receiver recomputes the HMAC over the body it received and compares in constant time; a
// body changed on the way (or sent by anyone without the key) fails. `X-Schoolgate-Report-Id`
// and the body's `id`+`revision` let it de-duplicate retries (see docs/reports.md).

const encoder = new TextEncoder();

/** The signature header's name, and the prefix of its value (`sha256=<hex>`). */
export const SIGNATURE_HEADER = 'X-Schoolgate-Signature';
export const REPORT_ID_HEADER = 'X-Schoolgate-Report-Id';

async function hmacKey(secret) {
  return crypto.subtle.importKey('raw', encoder.encode(String(secret)), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

function hex(bytes) {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** `sha256=<hex>`: the HMAC-SHA256 of `body` (a string or bytes) under `secret`. */
export async function signBody(secret, body) {
  const bytes = typeof body === 'string' ? encoder.encode(body) : body;
  return `sha256=${hex(await crypto.subtle.sign('HMAC', await hmacKey(secret), bytes))}`;
}

/** Whether `signature` (`sha256=<hex>`) is right for `body`; WebCrypto compares in constant time. */
export async function verifyBody(secret, body, signature) {
  const m = /^sha256=([0-9a-f]{64})$/.exec(String(signature ?? '').trim().toLowerCase());
  if (!m) return false;
  const mac = new Uint8Array(32);
  for (let i = 0; i < 32; i += 1) mac[i] = parseInt(m[1].slice(i * 2, i * 2 + 2), 16);
  const bytes = typeof body === 'string' ? encoder.encode(body) : body;
  return crypto.subtle.verify('HMAC', await hmacKey(secret), mac, bytes);
}
