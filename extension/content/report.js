// "Turn off the screen and tell an adult" inside web pages: a classic content script (content
// scripts cannot be modules), small because it runs in every page.
//
// - Covers the page at once, itself, without waiting for the service worker: a full-window
//   element in the top layer (a popover) with a closed shadow root, media paused and muted,
//   fullscreen left, the page made inert. Then it asks the worker to save the report, and puts
//   the extension's cover page (report.html, with the adult's form) in a frame over everything:
//   the staff code is typed there, in the extension's origin, out of the page's reach.
// - The press comes from the small button on the page (when the policy shows it), or from the
//   worker (toolbar button, keyboard shortcut) as a `sg-cover` message. Only trusted clicks
//   count: a page script cannot press it for the pupil.
// - The cover stays until the tab leaves the page (the worker sends it to the block page once an
//   adult has acted); whatever a page script does to it (removes, restyles, hides, covers it),
//   it comes back at once, on top.

(() => {
  if (globalThis.__schoolgateSafety) return;
  globalThis.__schoolgateSafety = true;

  const say = (key, fallback) => chrome.i18n.getMessage(key) || fallback;
  let covered = null;
  const COVER_STYLE = 'all:initial!important;position:fixed!important;inset:0!important;width:100vw!important;height:100vh!important;'
    + 'margin:0!important;padding:0!important;border:0!important;max-width:none!important;max-height:none!important;'
    + 'z-index:2147483647!important;display:block!important;background:#eaf3fa!important;opacity:1!important;visibility:visible!important;';

  function pauseMedia() {
    for (const media of document.querySelectorAll(/** @type {'video'} */ ('video, audio'))) {
      try {
        media.pause();
        media.muted = true;
      } catch {
        // A media element that refuses: the worker mutes the whole tab too.
      }
    }
  }

  /** `pressedAtMs`: when the press happened (the worker's clock for the toolbar and shortcut). */
  function cover(source, pressedAtMs = Date.now()) {
    if (covered) return covered;
    const host = document.createElement('schoolgate-cover');
    host.setAttribute('popover', 'manual');
    host.style.cssText = COVER_STYLE;
    const ownStyle = host.getAttribute('style');
    const shadow = host.attachShadow({ mode: 'closed' });
    const style = document.createElement('style');
    style.textContent = `
      :host { all: initial; }
      .calm { position: absolute; inset: 0; display: flex; flex-direction: column; align-items: center; justify-content: center;
        gap: 1rem; background: #eaf3fa; color: #1d2b3a; font: 600 clamp(1.4rem, 4vw, 2.4rem)/1.3 system-ui, sans-serif; text-align: center; padding: 1rem; }
      .calm p { margin: 0; }
      .calm .tell { font-weight: 400; }
      iframe { position: absolute; inset: 0; width: 100%; height: 100%; border: 0; background: transparent; }`;
    const calm = document.createElement('div');
    calm.className = 'calm';
    calm.setAttribute('role', 'alertdialog');
    calm.setAttribute('aria-modal', 'true');
    const praise = document.createElement('p');
    praise.textContent = say('cover_praise', 'You did the right thing.');
    const tell = document.createElement('p');
    tell.className = 'tell';
    tell.textContent = say('cover_tell', 'Now tell a grown-up.');
    calm.append(praise, tell);
    shadow.append(style, calm);

    const attach = () => {
      (document.documentElement ?? document).append(host);
      try {
        host.showPopover();
      } catch {
        // Not connected yet, or popovers unsupported: the fixed, topmost element still covers.
      }
    };
    attach();
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    if (document.body) document.body.inert = true;
    pauseMedia();
    const keepPaused = setInterval(pauseMedia, 500);

    // A page script cannot take the cover away: whatever it does to it comes back at once.
    // Removed or moved: put back in the root. Restyled, or its attributes
    // changed: its own style again. Hidden (hidePopover) or covered by something shown in the
    // top layer after it (a popover, a modal dialog, fullscreen): shown again, on top. The
    // check runs on every change to the document (a mutation observer runs before the next
    // paint), on every top-layer change, and on a short timer for whatever makes no event.
    // (The root's client box: the window without its scroll bars, which are nobody's element.)
    const points = () => {
      const w = document.documentElement?.clientWidth || innerWidth;
      const h = document.documentElement?.clientHeight || innerHeight;
      return [[0.5, 0.5], [0.02, 0.02], [0.98, 0.02], [0.02, 0.98], [0.98, 0.98]].map(([x, y]) => [Math.floor(w * x), Math.floor(h * y)]);
    };
    const guard = () => {
      const root = document.documentElement;
      try {
        // (Moving it would reload the adult's form in it: only when it is not in the root.)
        if (root && root !== host && host.parentNode !== root) root.append(host);
        else if (!root) document.append(host);
      } catch {
        // The document is being replaced (document.open): the next change puts it back.
      }
      if (root && root !== host && root.inert) root.inert = false;
      if (host.getAttribute('style') !== ownStyle) host.setAttribute('style', ownStyle);
      if (host.getAttribute('popover') !== 'manual') host.setAttribute('popover', 'manual');
      for (const name of host.getAttributeNames()) {
        if (!['style', 'popover', 'data-press-to-cover-ms'].includes(name)) host.removeAttribute(name);
      }
      if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
      if (document.body && !document.body.inert) document.body.inert = true;
      // The page's own top-layer elements go: a modal dialog would make the cover inert (no
      // adult could use the form), a popover would sit on it.
      for (const el of /** @type {NodeListOf<HTMLDialogElement>} */ (document.querySelectorAll(':modal, :popover-open'))) {
        if (el === host) continue;
        try {
          if (el.matches(':popover-open')) el.hidePopover();
          else el.close?.();
        } catch {
          // Not ours to close after all: the check below replaces the page.
        }
      }
      const onTop = () => points().every(([x, y]) => document.elementFromPoint(x, y) === host);
      try {
        const open = host.matches(':popover-open');
        const top = onTop();
        if (open && !top) host.hidePopover();
        if (!open || !top) host.showPopover();
      } catch {
        // Not connected yet: the next change or tick tries again.
      }
      // Something the page did cannot be undone from here (a modal dialog in a closed shadow
      // root, say): the tab leaves the page for the cover page itself.
      if (host.isConnected && document.visibilityState === 'visible' && innerWidth > 0 && innerHeight > 0 && !onTop()) leavePage();
    };
    let leaving = false;
    const leavePage = () => {
      if (leaving || !covered?.coverUrl) return;
      leaving = true;
      location.replace(covered.coverUrl);
    };
    new MutationObserver(guard).observe(document, { childList: true, subtree: true, attributes: true });
    document.addEventListener('toggle', guard, true);
    document.addEventListener('fullscreenchange', guard, true);
    setInterval(guard, 100);
    covered = { host, shadow, pressedAtMs, keepPaused, source };
    // For the staff page's timings and the tests: press to the first frame painted with the cover.
    requestAnimationFrame(() => requestAnimationFrame(() => { host.dataset.pressToCoverMs = String(Date.now() - pressedAtMs); }));

    chrome.runtime.sendMessage({ type: 'report-press', source, pressedAtMs }).then((answer) => {
      if (!answer?.id) throw new Error(answer?.error ?? 'no report id');
      const frame = document.createElement('iframe');
      covered.coverUrl = chrome.runtime.getURL(`report.html?id=${encodeURIComponent(answer.id)}`);
      frame.src = covered.coverUrl;
      frame.setAttribute('allow', 'clipboard-write');
      frame.title = say('cover_tell', 'Now tell a grown-up.');
      shadow.append(frame);
      frame.addEventListener('load', () => frame.focus(), { once: true });
      // The report id is not written where the page could read it (it names the cover page).
    }).catch(() => {
      // The worker could not save it: the cover still says what to do, and the adult is told.
      tell.textContent = `${say('cover_tell', 'Now tell a grown-up.')} ${say('cover_not_saved', '')}`.trim();
    });
    return covered;
  }

  chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
    // Only the extension's own worker can message a content script.
    if (sender.id !== chrome.runtime.id || message?.type !== 'sg-cover') return false;
    const source = message.source === 'shortcut' ? 'shortcut' : 'toolbar';
    const at = Number.isFinite(message.pressedAtMs) ? Math.min(Date.now(), message.pressedAtMs) : Date.now();
    const c = cover(source, at);
    sendResponse({ covered: true, already: c.source !== source });
    return false;
  });

  // The small always-visible button (a policy switch; on by default for EYFS and KS1).
  function showButton() {
    if (covered || document.querySelector('schoolgate-button')) return;
    const host = document.createElement('schoolgate-button');
    host.style.cssText = 'all:initial!important;position:fixed!important;right:12px!important;bottom:12px!important;z-index:2147483646!important;display:block!important;';
    const shadow = host.attachShadow({ mode: 'closed' });
    const style = document.createElement('style');
    style.textContent = `
      button { all: initial; box-sizing: border-box; width: 56px; height: 56px; border-radius: 50%; background: #1d5b8f; color: #fff;
        display: flex; align-items: center; justify-content: center; cursor: pointer; box-shadow: 0 2px 6px rgba(0,0,0,.35); border: 3px solid #fff; }
      button:focus-visible { outline: 4px solid #ffdd00; outline-offset: 2px; }
      svg { width: 32px; height: 32px; }`;
    const button = document.createElement('button');
    button.type = 'button';
    button.setAttribute('aria-label', say('safety_button_label', 'Turn off the screen and tell an adult'));
    button.title = button.getAttribute('aria-label');
    // A raised hand: "I need a grown-up". Drawn, not text, so a pre-reader knows it.
    const NS = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(NS, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    const path = document.createElementNS(NS, 'path');
    path.setAttribute('fill', 'currentColor');
    path.setAttribute('d', 'M12 2.5c.8 0 1.4.6 1.4 1.4V11h.9V5.2a1.4 1.4 0 0 1 2.8 0V12h.9V7.8a1.4 1.4 0 0 1 2.8 0v7.4c0 3.8-3 6.8-6.8 6.8h-1.1c-2.2 0-4.2-1-5.5-2.8L3.6 13.8a1.4 1.4 0 0 1 2.2-1.7l2.4 2.9V5.2a1.4 1.4 0 0 1 2.8 0V11h.9V3.9c0-.8.6-1.4 1.4-1.4z');
    svg.append(path);
    button.append(svg);
    button.addEventListener('click', (event) => {
      if (!event.isTrusted) return;
      host.remove();
      cover('page-button');
    });
    shadow.append(style, button);
    (document.body ?? document.documentElement).append(host);
  }

  chrome.storage.local.get('safetyButtonOnPages').then(({ safetyButtonOnPages }) => {
    if (!safetyButtonOnPages) return;
    if (document.body) showButton();
    else document.addEventListener('DOMContentLoaded', showButton, { once: true });
  }, () => {});
})();
