// Addresses of the extension's own pages that a blocked or held navigation goes to.
//
// The blocked address goes last and raw (`&u=<url>`), exactly as the DNR rules' regex
// substitution writes it, so the block page reads both the same way (see ../pages/blocked.js).

/** The block page for `url`; `src` says what blocked it (dnr, webrequest, navigation, history). */
export function blockPageUrl(url, src) {
  return `${chrome.runtime.getURL('blocked.html')}?src=${encodeURIComponent(src)}&u=${stripFragment(url)}`;
}

/** The calm "checking…" page that holds a navigation until the engine can decide it. */
export function checkingPageUrl(url, why) {
  return `${chrome.runtime.getURL('checking.html')}?why=${encodeURIComponent(why)}&u=${stripFragment(url)}`;
}

function stripFragment(url) {
  const i = url.indexOf('#');
  return i < 0 ? url : url.slice(0, i);
}

/** Whether a URL is one of the extension's own pages. */
export function isOwnPage(url) {
  return url.startsWith(chrome.runtime.getURL(''));
}
