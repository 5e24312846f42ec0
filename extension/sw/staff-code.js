// The staff code: what the Admin console holds (`staffUnlockCodeHash`) and how a typed code is
// checked against it. Pure WebCrypto, so the same code runs in the service worker and in Node.
//
// A staff code is short (four to eight digits, often), so its hash must be slow to try: an
// unsalted SHA-256 of a six-digit code falls to a laptop in well under a second, and the managed
// value is readable by anyone who can open the device's files or, before `sensitiveValue`,
// chrome://policy. The value is therefore PBKDF2-HMAC-SHA256 with a random salt:
//
//   pbkdf2-sha256$<iterations>$<salt, base64>$<32-byte derived key, base64>
//
// made by `schoolgate staff-code` (or the one-liner in docs/deploy-chromebooks.md). The old form
// (64 hexadecimal digits) is refused with a message that says how to replace it: there is no
// silent fallback to it. Wrong codes are slowed down on top of that (five, then a minute's wait).

/** The work factor `schoolgate staff-code` writes (OWASP's 2023 figure for PBKDF2-HMAC-SHA256). */
export const DEFAULT_ITERATIONS = 600_000;
/** Fewer than this is refused: too fast to slow anyone down. */
export const MIN_ITERATIONS = 100_000;
/** More than this is refused: a typo that would hang every check. */
export const MAX_ITERATIONS = 10_000_000;
export const MIN_SALT_BYTES = 16;
const KEY_BYTES = 32;
const PREFIX = 'pbkdf2-sha256';

/** Wrong codes in a row before the check waits, and how long. */
export const WRONG_CODES = Object.freeze({ allowed: 5, waitMs: 60_000 });

const OLD_SHA256 = /^[0-9a-f]{64}$/i;
export const OLD_FORM_MESSAGE = 'staffUnlockCodeHash is an old unsalted SHA-256, which a short code cannot be protected by: no staff code is accepted until it is replaced with the output of `schoolgate staff-code` (pbkdf2-sha256$<iterations>$<salt>$<hash>; see docs/deploy-chromebooks.md)';

function fromBase64(text) {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) return null;
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    // Not base64: not a staff code value, and the caller says so.
    return null;
  }
}

export function toBase64(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/**
 * Reads a `staffUnlockCodeHash` value.
 * @returns {{ok: true, iterations: number, salt: Uint8Array, hash: Uint8Array, error?: undefined} | {ok: false, error: string, old?: boolean}}
 */
export function parseStaffCodeHash(value) {
  if (typeof value !== 'string') return { ok: false, error: 'staffUnlockCodeHash: expected a string' };
  const text = value.trim();
  if (OLD_SHA256.test(text)) return { ok: false, old: true, error: OLD_FORM_MESSAGE };
  const parts = text.split('$');
  if (parts.length !== 4 || parts[0] !== PREFIX) {
    return { ok: false, error: `staffUnlockCodeHash: expected ${PREFIX}$<iterations>$<salt, base64>$<hash, base64> (the output of \`schoolgate staff-code\`); the value set is not shown, since it may be the code itself` };
  }
  const iterations = /^[0-9]{1,9}$/.test(parts[1]) ? Number(parts[1]) : NaN;
  if (!(iterations >= MIN_ITERATIONS && iterations <= MAX_ITERATIONS)) {
    return { ok: false, error: `staffUnlockCodeHash: iterations must be between ${MIN_ITERATIONS} and ${MAX_ITERATIONS}, found ${JSON.stringify(parts[1].slice(0, 12))}` };
  }
  const salt = fromBase64(parts[2]);
  if (!salt || salt.length < MIN_SALT_BYTES) return { ok: false, error: `staffUnlockCodeHash: the salt must be at least ${MIN_SALT_BYTES} bytes, in base64` };
  const hash = fromBase64(parts[3]);
  if (!hash || hash.length !== KEY_BYTES) return { ok: false, error: `staffUnlockCodeHash: the hash must be ${KEY_BYTES} bytes, in base64` };
  return { ok: true, iterations, salt, hash };
}

/** PBKDF2-HMAC-SHA256 of `code` (trimmed), 32 bytes. */
export async function deriveKey(code, salt, iterations) {
  const subtle = globalThis.crypto.subtle;
  const key = await subtle.importKey('raw', new TextEncoder().encode(code.trim()), 'PBKDF2', false, ['deriveBits']);
  return new Uint8Array(await subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, KEY_BYTES * 8));
}

/** The managed value for `code`: what `schoolgate staff-code` prints. */
export async function makeStaffCodeHash(code, { iterations = DEFAULT_ITERATIONS, salt = globalThis.crypto.getRandomValues(new Uint8Array(16)) } = {}) {
  const hash = await deriveKey(code, salt, iterations);
  return `${PREFIX}$${iterations}$${toBase64(salt)}$${toBase64(hash)}`;
}

function sameBytes(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i += 1) diff |= a[i] ^ b[i];
  return diff === 0;
}

/**
 * Checks typed codes against the managed value, slowing guesses: after `WRONG_CODES.allowed`
 * wrong codes in a row, every code (the right one too) is refused for `WRONG_CODES.waitMs`.
 * `now` is passed in for the tests.
 */
export function staffCodeChecker({ now = () => Date.now() } = {}) {
  let wrong = 0;
  let lockedUntil = 0;
  return {
    /**
     * @param {string|undefined} managed the `staffUnlockCodeHash` in force (or nothing)
     * @param {unknown} code what was typed
     * @returns {Promise<{set: boolean, ok: boolean, error?: string}>} `set`: a code is configured
     */
    async check(managed, code) {
      if (managed == null || managed === '') return { set: false, ok: false };
      const parsed = parseStaffCodeHash(managed);
      if (!parsed.ok) return { set: true, ok: false, error: parsed.error };
      if (now() < lockedUntil) return { set: true, ok: false, error: 'Too many wrong codes: wait a minute and try again.' };
      const ok = typeof code === 'string' && code.trim() !== '' && code.length <= 200
        && sameBytes(await deriveKey(code, parsed.salt, parsed.iterations), parsed.hash);
      if (ok) wrong = 0;
      else if ((wrong += 1) >= WRONG_CODES.allowed) {
        wrong = 0;
        lockedUntil = now() + WRONG_CODES.waitMs;
      }
      return ok ? { set: true, ok: true } : { set: true, ok: false, error: 'That code is not right.' };
    },
  };
}
