// How a block page is told what to show: `#` + the URL-encoded JSON of
//   { verdict, group: {name, label?, staff?, preset?}, locale?, atMs?, timeZone?, schoolName?,
//     reportHref?, demo? }
// The fragment never leaves the browser (it is not sent to any server).

/** The fragment for `data`, for links to `blocked.html`. */
export function toFragment(data) {
  return `#${encodeURIComponent(JSON.stringify(data))}`;
}

/** Reads the page data from a location fragment; `null` when there is none or it is broken. */
export function readFragment(hash) {
  if (!hash || hash.length < 2) return null;
  try {
    const data = JSON.parse(decodeURIComponent(hash.slice(1)));
    return data && typeof data === 'object' ? data : null;
  } catch {
    return null;
  }
}
