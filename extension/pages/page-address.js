// Reads the address of the block page and the checking page:
//   blocked.html?src=dnr&u=<the blocked URL, raw>
// The blocked URL goes last and is not encoded, because a declarativeNetRequest redirect writes
// it with a regex substitution (`\0`) that cannot encode; everything after `u=` is the URL.

/** `{params: URLSearchParams, url: string|null}` from a page's `location.href`. */
export function readPageAddress(href) {
  const q = href.indexOf('?');
  if (q < 0) return { params: new URLSearchParams(), url: null };
  let query = href.slice(q + 1);
  const hash = query.indexOf('#');
  if (hash >= 0 && !/(^|&)u=/.test(query.slice(0, hash))) query = query.slice(0, hash);
  const m = /(^|&)u=/.exec(query);
  if (!m) return { params: new URLSearchParams(query), url: null };
  return { params: new URLSearchParams(query.slice(0, m.index)), url: query.slice(m.index + m[0].length) || null };
}

/** Sends a message to the service worker, waiting at most `ms`; rejects on error or timeout. */
export function ask(message, ms = 10_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer from the filter')), ms);
    chrome.runtime.sendMessage(message).then((answer) => {
      clearTimeout(timer);
      if (answer?.error) reject(new Error(answer.error));
      else resolve(answer);
    }, (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
