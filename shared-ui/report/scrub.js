// No image data in a report, ever: an allow-list for the text a report keeps.
//
// A report's addresses, titles and words are cut into pieces at the places text and addresses
// break (spaces, `?`, `&`, `=`, `#`, `;`, `,`, quotes, brackets). A piece is kept only when it is
// short, printable text that nothing image-like hides in. Everything else is cut:
//
// - a `data:` URL keeps its media type and loses its payload (`data:image/png`), whatever the
//   payload is, text or not (a `data:text/html` page can draw a picture too);
// - a piece longer than `MAX_PIECE` characters (no word or address part is that long; image data is);
// - a piece that looks binary: control characters, the replacement character, percent-escapes
//   that are not UTF-8 text;
// - a piece that is, or decodes to, image data: the signatures of PNG, JPEG, GIF, WebP, AVIF
//   (and HEIC), BMP and SVG (`<svg`, `<?xml`), found raw, percent-decoded, or base64/base64url-
//   decoded at any alignment;
// - a piece that percent-decodes to text that would itself be cut (twice-encoded data).
//
// What is cut is replaced by `CUT`, so a reader can see that something was there.

/** What replaces a piece that was cut. */
export const CUT = '[removed]';
/** The longest piece kept. */
export const MAX_PIECE = 256;

const PIECES = /([\s?&=#;,/"'`()[\]{}<>|\\^]+)/;
// Base64 and base64url runs are judged whole before the text is cut into pieces (a cut at `/`
// would leave fragments of image data, each too short to recognise).
const BASE64_RUN = /[A-Za-z0-9+/_-]{12,}/g;
const MARKUP = /<\s*svg\b[\s\S]*?(<\/\s*svg\s*>|$)|<\?xml[\s\S]*?(\?>|$)/gi;
const DATA_URL = /\bdata:([a-z0-9.+-]{1,64}\/[a-z0-9.+-]{1,64})?[^\s"'&]*/gi;
const DATA_REDUCED = /^data:([a-z0-9.+-]{1,64}\/[a-z0-9.+-]{1,64})?$/i;
// Code points that are not text: C0 and C1 controls (tab, newline and return are spacing), the
// replacement character, lone surrogates.
const BINARY = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffd]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const INLINE_IMAGE = /<\s*svg|<\?xml|data:[^,\s]{0,80}(;base64)?,./i;

const ascii = (s) => Array.from(s, (c) => c.charCodeAt(0));
/** Image signatures found anywhere in decoded bytes. */
const SIGNATURES = [
  [0x89, 0x50, 0x4e, 0x47], // PNG
  [0xff, 0xd8, 0xff], // JPEG
  ascii('GIF87a'), ascii('GIF89a'),
  ascii('WEBPVP8'), // RIFF....WEBPVP8 (lossy, lossless, extended)
  ascii('ftypavif'), ascii('ftypavis'), ascii('ftypheic'), ascii('ftypmif1'),
  ascii('<svg'), ascii('<SVG'), ascii('<?xml'),
];

function indexOf(bytes, sig) {
  outer: for (let i = 0; i + sig.length <= bytes.length; i += 1) {
    for (let j = 0; j < sig.length; j += 1) if (bytes[i + j] !== sig[j]) continue outer;
    return i;
  }
  return -1;
}

/** Whether decoded bytes hold an image signature anywhere. */
function imageBytes(bytes) {
  if (SIGNATURES.some((sig) => indexOf(bytes, sig) >= 0)) return true;
  // BMP: "BM", the file size, then four reserved zero bytes ("BM" alone is too common a pair).
  for (let i = 0; i + 10 <= bytes.length; i += 1) {
    if (bytes[i] === 0x42 && bytes[i + 1] === 0x4d && !bytes[i + 6] && !bytes[i + 7] && !bytes[i + 8] && !bytes[i + 9]) return true;
  }
  return false;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** @type {Map<string, number>} */
const B64_VALUE = new Map([...[...B64].map((c, i) => /** @type {[string, number]} */ ([c, i])), ['-', 62], ['_', 63]]);

/** Base64 or base64url to bytes, from character `from`, ignoring a ragged end. */
function base64Bytes(text, from) {
  const out = [];
  let acc = 0;
  let bits = 0;
  for (let i = from; i < text.length; i += 1) {
    const v = B64_VALUE.get(text[i]);
    if (v === undefined) break;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  return out;
}

/** `%xx` escapes to bytes (other characters as their UTF-8), or `null` without any escape. */
function percentBytes(text) {
  if (!/%[0-9a-f]{2}/i.test(text)) return null;
  const out = [];
  const utf8 = new TextEncoder();
  for (let i = 0; i < text.length; i += 1) {
    if (text[i] === '%' && /^[0-9a-f]{2}$/i.test(text.slice(i + 1, i + 3))) {
      out.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      out.push(...utf8.encode(text[i]));
    }
  }
  return Uint8Array.from(out);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Why a piece is cut (`long`, `binary`, `image`), or `null` to keep it. */
export function cutReason(piece, depth = 0) {
  if (piece.length > MAX_PIECE) return 'long';
  if (BINARY.test(piece)) return 'binary';
  if (INLINE_IMAGE.test(piece)) return 'image';
  if (imageBytes(new TextEncoder().encode(piece))) return 'image';
  const bytes = percentBytes(piece);
  if (bytes) {
    if (imageBytes(bytes)) return 'image';
    let text;
    try {
      text = UTF8.decode(bytes);
    } catch {
      return 'binary';
    }
    // Decoded, it may hold what the escapes hid (`%3Csvg`, `data%3Aimage%2Fpng%3Bbase64%2C…`,
    // base64 with `%2B` and `%2F`): judged again, as text, a few layers deep.
    if (depth >= 3) return /%[0-9a-f]{2}/i.test(text) ? 'binary' : null;
    if (scrubText(text, depth + 1) !== text) return 'image';
  }
  return null;
}

const decodesToImage = (run) => [0, 1, 2, 3].some((k) => imageBytes(base64Bytes(run, k)));

/**
 * A base64 or base64url run with its image data cut. A run too long to be anything but data is
 * cut whole, but for a short first part before a `/` (a host name's last label, a path
 * segment); an image is cut from the last `/` before it starts. Either way, an address's path
 * before the data stays readable.
 */
function cutBase64(run) {
  if (run.length > MAX_PIECE) {
    const slash = run.indexOf('/');
    const head = slash >= 0 && slash < 64 ? run.slice(0, slash + 1) : '';
    return (head && !decodesToImage(head) ? head : '') + CUT;
  }
  if (!decodesToImage(run)) return run;
  let keep = 0;
  for (let i = run.indexOf('/'); i >= 0; i = run.indexOf('/', i + 1)) {
    if (decodesToImage(run.slice(i + 1))) keep = i + 1;
    else break;
  }
  return run.slice(0, keep) + CUT;
}

function scrubText(text, depth) {
  const reduced = text
    .replace(MARKUP, CUT) // inline SVG (and any XML document) is a picture
    .replace(DATA_URL, (_, type) => `data:${type ?? ''}`) // a data: URL keeps its media type only
    .replace(BASE64_RUN, cutBase64);
  return reduced.split(PIECES).map((piece, i) => {
    if (i % 2 === 1 || piece === '' || piece === CUT) return piece; // a separator, or cut already
    if (DATA_REDUCED.test(piece)) return piece;
    return cutReason(piece, depth) ? CUT : piece;
  }).join('');
}

/**
 * The text with every piece that is not plainly text cut out, at most `max` characters. Applying
 * it again changes nothing.
 */
export function scrubImages(text, max = Infinity) {
  if (text == null) return null;
  const out = scrubText(String(text), 0);
  if (out.length <= max) return out;
  // Clipping may split a piece: scrub what is left once more, so the end is judged too.
  return scrubText(out.slice(0, max), 0).slice(0, max);
}

/** Whether a text would lose anything to the scrubber (what `checkNoImages` refuses). */
export function holdsImageData(text) {
  return typeof text === 'string' && scrubText(text, 0) !== text;
}
