// Search results pages (Google, Bing, DuckDuckGo, YouTube, Kiddle, Swiggle): results that lead
// to pages this device's group would be stopped from opening are replaced by a calm note, and
// on a staff device every result gets a row of badges saying what each pupil group would get,
// with a switch that shows the page as one of those groups sees it.
//
// Runs at document_start in the top frame, after find.js (which finds the results). Order of
// events on a page, and why nothing blocked is ever drawn:
// 1. results.css is in force before the first paint; it hides whatever carries
//    `data-sg-state="pending"` or `"blocked"`.
// 2. A MutationObserver sees every node the parser or the page's scripts insert. Its callback
//    runs at the next microtask checkpoint, which comes before the next paint and before the
//    page's next script runs (the parser performs one before each of its scripts). There each
//    new result is marked pending and its lazily loaded thumbnails lose their `data-src`
//    (kept here), so the page's lazy loader has nothing to fetch.
// 3. One message to the service worker judges every new address at once; allowed results are
//    revealed (their thumbnails given back), blocked ones get the note (pupils: their images
//    emptied for good). Verdicts are kept per address, so infinite scroll and in-page
//    navigation only ask about addresses not seen yet.
//
// What the page can see: which results are hidden (it could tell anyway). Reasons and other
// groups' verdicts stay inside closed shadow roots, which the page's scripts cannot open.
// What cannot be guaranteed from here is in docs/deploy-chromebooks.md ("Search results").

(() => {
  'use strict';

  const finder = globalThis.schoolgateResultFinder;
  if (!finder || window.top !== window || globalThis.schoolgateResultsStarted) return;
  globalThis.schoolgateResultsStarted = true;

  const STATE = 'data-sg-state';
  const BATCH = 500; // sw/messages.js refuses more
  const MAX_URL = 8192;

  /** Per address: `{action, groups?}` from the service worker. */
  const verdicts = new Map();
  const inFlight = new Set();
  /** Result element → `{targets, thumbnails}` for every result on the page now. */
  const tracked = new Map();
  /** `<img>` → `[[attribute, value]…]` taken off it until its result is allowed. */
  const held = new WeakMap();
  const shadows = new WeakMap();
  /** What the worker said about this device: `{group, staff, groups, words}`. */
  let session = null;
  /** Staff only: the pupil group whose view is shown, or `null` for the staff view with badges. */
  let viewAs = null;
  let engineId = null;
  let lastHref = '';
  let settledMarked = false;
  let retries = 0;
  let askedWho = false;
  let viewSwitch = null;

  // -------------------------------------------------------------------------------------------
  // Thumbnails

  function hold(img, attributes) {
    let list = held.get(img);
    for (const name of attributes) {
      const value = img.getAttribute(name);
      if (value === null) continue;
      if (!list) {
        list = [];
        held.set(img, list);
      }
      list.push([name, value]);
      img.removeAttribute(name);
    }
  }

  const LAZY = finder.LAZY_ATTRIBUTES.map(([lazy]) => lazy);
  const REAL_OF = new Map(finder.LAZY_ATTRIBUTES);

  /** Before a verdict: the page's lazy loader must find nothing to load. */
  function holdLazy(img) {
    hold(img, LAZY);
  }

  /** A pupil's blocked result: nothing of its images may load or show, now or later. */
  function empty(img) {
    hold(img, LAZY);
    const src = img.getAttribute('src');
    if (src !== null && !src.startsWith('data:')) hold(img, ['src']);
    else if (src !== null) img.removeAttribute('src');
    hold(img, ['srcset']);
  }

  // On a pupil's device the engines' thumbnail servers answer only marked requests (a DNR rule,
  // sw/dnr.js THUMBNAIL_HOSTS): the images of allowed results get the mark here.
  const THUMBNAIL_HOST = /(^|\.)(mm\.bing\.net|th\.bing\.com|encrypted-tbn[0-3]\.gstatic\.com|external-content\.duckduckgo\.com)$/;
  const MARK = 'sgthumb=1';

  function marked(url) {
    if (!url || url.startsWith('data:') || url.includes(MARK)) return url;
    try {
      const u = new URL(url, location.href);
      if (!THUMBNAIL_HOST.test(u.hostname)) return url;
      u.search = u.search ? `${u.search}&${MARK}` : `?${MARK}`;
      return u.href;
    } catch {
      return url;
    }
  }

  function markImage(img) {
    // (Single addresses only: a srcset is a list, and the engines use it for their own icons.)
    for (const name of ['src', ...LAZY.filter((n) => !n.endsWith('srcset'))]) {
      const value = img.getAttribute(name);
      const next = marked(value);
      if (next !== value) img.setAttribute(name, next);
    }
  }

  /** An allowed result: its images as the engine meant them, loaded now (the lazy loader may have passed). */
  function release(img) {
    const list = held.get(img);
    held.delete(img);
    for (const [name, value] of list ?? []) {
      img.setAttribute(name, value);
      const real = REAL_OF.get(name);
      if (real && (!img.getAttribute(real) || img.getAttribute(real).startsWith('data:'))) img.setAttribute(real, value);
    }
    // Also an image written into the HTML, which the DNR rule stopped: marked, it loads now.
    markImage(img);
  }

  // Pupils: a page script that sets `src` on an emptied image again gets it taken away at once.
  const imageGuard = new MutationObserver((records) => {
    for (const r of records) {
      const img = /** @type {Element} */ (r.target);
      if (img.localName === 'img' && img.closest(`[${STATE}="blocked"]`) && img.getAttribute(r.attributeName)) empty(img);
    }
  });

  // -------------------------------------------------------------------------------------------
  // Schoolgate's own elements: closed shadow roots, built with textContent only.

  function ownElement(tag, css) {
    const host = document.createElement(tag);
    const shadow = host.attachShadow({ mode: 'closed' });
    const style = document.createElement('style');
    style.textContent = css;
    shadow.append(style);
    shadows.set(host, shadow);
    return host;
  }

  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (k === 'text') node.textContent = v;
      else if (k === 'class') node.className = v;
      else node.setAttribute(k, v);
    }
    node.append(...children);
    return node;
  }

  const NOTE_CSS = `
    .note { box-sizing: border-box; display: flex; align-items: center; gap: 10px; margin: 4px 0;
      padding: 12px 16px; border-radius: 12px; background: #f1f6f3; color: #1f3d2f; border: 1px solid #cfe3d8;
      font: 15px/1.4 system-ui, sans-serif; }
    .leaf { flex: none; width: 22px; height: 22px; border-radius: 50%; background: #bfe0cd; }`;

  const BADGE_CSS = `
    .row { display: flex; flex-wrap: wrap; gap: 4px; margin: 2px 0 4px; font: 12px/1.3 system-ui, sans-serif; min-height: 20px; }
    .badge { position: relative; display: inline-flex; align-items: center; gap: 3px; padding: 1px 7px;
      border-radius: 10px; border: 1px solid; cursor: default; }
    .badge.allow { background: #e8f5ec; color: #14532d; border-color: #86c39b; }
    .badge.block { background: #fdecec; color: #7f1d1d; border-color: #e59a9a; }
    .badge:focus { outline: 2px solid #1d4ed8; outline-offset: 1px; }
    .tip { display: none; position: absolute; left: 0; top: calc(100% + 4px); z-index: 10; width: max-content;
      max-width: 320px; padding: 6px 8px; border-radius: 6px; background: #111827; color: #fff; font-size: 12px;
      white-space: normal; }
    .badge:hover .tip, .badge:focus .tip { display: block; }`;

  const SWITCH_CSS = `
    .box { display: flex; align-items: center; gap: 8px; padding: 8px 12px; border-radius: 10px;
      background: #fff; color: #111827; border: 1px solid #9ca3af; box-shadow: 0 2px 8px rgba(0,0,0,.15);
      font: 14px/1.3 system-ui, sans-serif; }
    select { font: inherit; }
    select:focus { outline: 2px solid #1d4ed8; }`;

  function words() {
    return session?.words ?? {};
  }

  /** One of the words the worker sent in the page's locale (`_locales/`, English underneath). */
  function word(name) {
    return words()[name] ?? '';
  }

  function noteFor(item) {
    let host = item.querySelector(':scope > schoolgate-result-note');
    const text = session.staff && viewAs === null
      ? word('placeholderStaff')
      : word('placeholder');
    if (!host) {
      // Keep the result's height, so nothing below it moves.
      const height = Math.round(item.getBoundingClientRect().height);
      host = ownElement('schoolgate-result-note', NOTE_CSS);
      host.setAttribute('role', 'note');
      shadows.get(host).append(el('div', { class: 'note', style: `min-height:${Math.max(height - 8, 0)}px` },
        el('span', { class: 'leaf', 'aria-hidden': 'true' }), el('span', { class: 'text', text })));
      // Under the badge row, if there is one: the badges always come first.
      const badges = item.querySelector(':scope > schoolgate-result-badges');
      if (badges) badges.after(host);
      else item.prepend(host);
    } else {
      const span = shadows.get(host).querySelector('.text');
      if (span.textContent !== text) span.textContent = text;
    }
  }

  function badgesFor(item, verdict) {
    let host = item.querySelector(':scope > schoolgate-result-badges');
    if (!host) {
      host = ownElement('schoolgate-result-badges', BADGE_CSS);
      shadows.get(host).append(el('div', { class: 'row', role: 'group', 'aria-label': word('badgesLabel') }));
      item.prepend(host);
    }
    const signature = JSON.stringify(verdict?.groups ?? null);
    if (host.dataset.signature === signature) return;
    host.dataset.signature = signature;
    const row = shadows.get(host).querySelector('.row');
    row.replaceChildren();
    if (!verdict) return;
    session.groups.forEach((g, i) => {
      const v = verdict.groups[g.name];
      const blocked = v.action === 'block';
      const state = blocked ? word('blocked') : word('allowed');
      const reason = blocked ? v.reason : word('allowedFor');
      const tipId = `tip-${i}`;
      row.append(el('span', {
        class: `badge ${blocked ? 'block' : 'allow'}`, role: 'img', tabindex: '0',
        'aria-label': `${g.short}: ${state}`, 'aria-describedby': tipId, 'data-group': g.name, 'data-action': v.action,
      }, el('span', { 'aria-hidden': 'true', text: `${g.short} ${blocked ? '✕' : '✓'}` }), el('span', { class: 'tip', id: tipId, role: 'tooltip', text: `${g.label}: ${reason}` })));
    });
  }

  function removeOwn(item, tag) {
    item.querySelector(`:scope > ${tag}`)?.remove();
  }

  function ensureSwitch() {
    const wanted = Boolean(engineId && session?.staff && session.groups?.length);
    if (!wanted) {
      viewSwitch?.remove();
      viewSwitch = null;
      return;
    }
    if (viewSwitch?.isConnected) return;
    viewSwitch = ownElement('schoolgate-view-as', SWITCH_CSS);
    const select = el('select', { id: 'view-as' },
      el('option', { value: '', text: word('viewAsStaff') }),
      ...session.groups.map((g) => el('option', { value: g.name, text: `${g.short}: ${g.label}` })));
    select.value = viewAs ?? '';
    select.addEventListener('change', () => {
      viewAs = select.value || null;
      for (const [item, rec] of tracked) show(item, rec);
      observer.takeRecords();
    });
    shadows.get(viewSwitch).append(el('div', { class: 'box' }, el('label', { for: 'view-as', text: `Schoolgate · ${word('viewAs')}` }), select));
    document.documentElement.append(viewSwitch);
  }

  // -------------------------------------------------------------------------------------------
  // Showing one result

  /** The verdict for a result with several addresses: the strictest of them, or `null` if any is unknown. */
  function combined(targets) {
    let out = null;
    for (const target of targets) {
      const v = verdicts.get(target);
      if (!v) return null;
      if (!out) {
        out = { action: v.action, groups: v.groups ? { ...v.groups } : undefined };
        continue;
      }
      if (v.action === 'block') out.action = 'block';
      for (const [name, g] of Object.entries(v.groups ?? {})) if (g.action === 'block' && out.groups[name].action !== 'block') out.groups[name] = g;
    }
    return out;
  }

  function show(item, rec) {
    const verdict = combined(rec.targets);
    if (!verdict || !session) {
      item.setAttribute(STATE, 'pending');
      for (const img of rec.thumbnails) holdLazy(img);
      // Staff: the badge row's space is kept from the start, so revealing moves nothing.
      if (session?.staff && viewAs === null) badgesFor(item, null);
      return;
    }
    const action = viewAs === null ? verdict.action : verdict.groups?.[viewAs]?.action ?? 'block';
    if (action === 'block') {
      noteFor(item); // before the state changes, to measure the result as it was
      item.setAttribute(STATE, 'blocked');
      if (session.staff) {
        for (const img of rec.thumbnails) holdLazy(img);
      } else {
        for (const img of rec.thumbnails) empty(img);
        for (const source of item.querySelectorAll('picture > source')) hold(source, ['srcset', 'data-srcset']);
        imageGuard.observe(item, { attributes: true, subtree: true, attributeFilter: ['src', 'srcset'] });
      }
    } else {
      removeOwn(item, 'schoolgate-result-note');
      item.setAttribute(STATE, 'allowed');
      for (const img of rec.thumbnails) release(img);
    }
    if (session.staff && viewAs === null) badgesFor(item, verdict);
    else removeOwn(item, 'schoolgate-result-badges');
  }

  /** A result element that is no longer one (the page re-arranged it): undo what is safe to undo. */
  function forget(item) {
    if (item.getAttribute(STATE) === 'blocked' && !session?.staff) return; // a pupil never gets it back
    item.removeAttribute(STATE);
    removeOwn(item, 'schoolgate-result-note');
    removeOwn(item, 'schoolgate-result-badges');
  }

  // -------------------------------------------------------------------------------------------
  // Asking the service worker

  function ask(urls) {
    for (const u of urls) inFlight.add(u);
    let reply;
    try {
      reply = chrome.runtime.sendMessage({ type: 'judge-results', urls });
    } catch {
      reply = Promise.resolve(null); // the extension was updated or reloaded: stay hidden
    }
    reply.then((answer) => {
      for (const u of urls) inFlight.delete(u);
      if (!answer || answer.error || !Array.isArray(answer.verdicts)) {
        retry();
        return;
      }
      retries = 0;
      session = { group: answer.group, staff: answer.staff, groups: answer.groups ?? [], words: answer.words ?? {} };
      answer.verdicts.forEach((v, i) => verdicts.set(urls[i], v));
      scan();
    }, () => {
      for (const u of urls) inFlight.delete(u);
      retry();
    });
  }

  function retry() {
    // Fail closed: results stay hidden; ask again, less and less often.
    retries += 1;
    if (retries <= 8) setTimeout(() => scan(), Math.min(100 * 2 ** retries, 5000));
  }

  // -------------------------------------------------------------------------------------------
  // Scanning

  function scan() {
    if (location.href !== lastHref) {
      lastHref = location.href;
      engineId = finder.detectEngine(lastHref);
      settledMarked = false;
    }
    if (!engineId) {
      ensureSwitch();
      return;
    }
    const { results } = finder.findResults(document, engineId, location.href);
    const seen = new Set();
    const unknown = new Set();
    for (const r of results) {
      seen.add(r.item);
      let rec = tracked.get(r.item);
      if (!rec) tracked.set(r.item, (rec = { targets: [], thumbnails: [] }));
      rec.targets = r.targets.filter((t) => t.length <= MAX_URL);
      if (!rec.targets.length) rec.targets = ['about:invalid']; // too long to ask about: blocked
      rec.thumbnails = r.thumbnails;
      for (const t of rec.targets) if (!verdicts.has(t) && !inFlight.has(t)) unknown.add(t);
      show(r.item, rec);
    }
    for (const item of tracked.keys()) {
      if (!seen.has(item)) {
        forget(item);
        tracked.delete(item);
      }
    }
    const list = [...unknown];
    for (let i = 0; i < list.length; i += BATCH) ask(list.slice(i, i + BATCH));
    if (!session && !askedWho) {
      askedWho = true; // who is this device? (asked once, before any result needs it)
      ask([]);
    }
    ensureSwitch();
    settle();
    observer.takeRecords(); // our own changes are not news
  }

  function settle() {
    let pending = 0;
    for (const item of tracked.keys()) if (item.getAttribute(STATE) === 'pending') pending += 1;
    const value = pending ? 'pending' : 'settled';
    if (document.documentElement.dataset.sgResults !== value) document.documentElement.dataset.sgResults = value;
    if (!pending && tracked.size && !settledMarked) {
      settledMarked = true;
      performance.mark('schoolgate-results-settled', { detail: { results: tracked.size, url: location.href } });
    }
  }

  function addsElements(records) {
    for (const r of records) for (const n of r.addedNodes) if (n.nodeType === 1 && !n.localName.startsWith('schoolgate-')) return true;
    return false;
  }

  const observer = new MutationObserver((records) => {
    if (location.href !== lastHref || addsElements(records)) scan();
  });
  observer.observe(document, { childList: true, subtree: true });
  // In-page navigation that changes no node at once (pushState, then results fetched later).
  globalThis.navigation?.addEventListener?.('navigatesuccess', () => scan());
  addEventListener('popstate', () => scan());

  // Ask who this device is straight away (it also wakes the worker), before results arrive.
  lastHref = location.href;
  engineId = finder.detectEngine(lastHref);
  scan();
})();
