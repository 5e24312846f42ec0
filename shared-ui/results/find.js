// Finding the results on a search engine's results page: which elements are results, where each
// one really leads, and which thumbnails belong to it. One implementation, used by the
// extension's content script (on the live page) and by the demo page (on a results page a
// teacher saved, parsed with DOMParser), so both judge the same links the same way.
//
// Pure and synchronous: it reads the DOM it is given and changes nothing, fetches nothing and
// keeps no state. It is a classic script that defines one global, because a manifest content
// script cannot be an ES module and must run at document_start without waiting for an import;
// the demo page and the Node tests load it with a side-effect `import`.
//
// How results are found, most stable signal first:
// 1. The results area is looked up by id or custom-element name (`#rso`, `#b_results`,
//    `ytd-search`), which engines change far less often than class names; without one, the body.
// 2. A result link is an element that leads off the engine: an `<a href>` whose target, once the
//    engine's redirect wrapper is taken off (Google `/url?q=`, Bing `/ck/a?u=a1<base64url>`,
//    DuckDuckGo `/l/?uddg=`, YouTube `/redirect?q=`), is another site, or an element whose
//    target is in a data attribute the engine itself reads (Bing images' `m` JSON, Google
//    images' `data-lpage`, Google Custom Search's `data-ctorig`, used by Kiddle and Swiggle).
// 3. A result is the largest element around a link that holds links to one site only, so its
//    title, snippet and thumbnail go together without knowing any class name. Engines whose
//    results all lead to the engine's own pages (YouTube's `/watch`) name their result elements
//    instead (`ytd-video-renderer`: custom element names are its public structure).
//
// A result whose links lead to several pages of one site is judged by all of them: the strictest
// verdict decides, so a snippet is never shown because one of its links happens to be allowed.

(function defineResultFinder(root) {
  'use strict';

  /** `<img>` attributes that engines use to load a thumbnail lazily, and the attribute each becomes. */
  const LAZY_ATTRIBUTES = Object.freeze([
    ['data-src', 'src'],
    ['data-srcset', 'srcset'],
    ['data-lazy-src', 'src'],
    ['data-thumb', 'src'],
    ['data-iurl', 'src'],
    ['data-original', 'src'],
  ]);

  const GOOGLE_HOST = /^(?:www\.|images\.)?google\.(?:com|co\.uk|ie|[a-z]{2}|com?\.[a-z]{2})$/;

  /**
   * The engines whose result pages are read. `page` tells a results page from the engine's other
   * pages; `own` is the engine's own hosts (links there are not results unless `ownResults`
   * matches their path); `roots` are tried in order; `items`, when set, names result elements.
   */
  const ENGINES = Object.freeze([
    {
      id: 'google',
      name: 'Google',
      page: (u) => GOOGLE_HOST.test(u.hostname) && /^\/(search|images|webhp)$/.test(u.pathname),
      own: /(^|\.)(google\.[a-z.]+|gstatic\.com|googleusercontent\.com)$/,
      roots: ['#rso', '#islrg', '#search', '#center_col', '#main'],
    },
    {
      id: 'bing',
      name: 'Bing',
      page: (u) => /(^|\.)bing\.com$/.test(u.hostname) && /^\/(search|images\/search|videos\/search)$/.test(u.pathname),
      own: /(^|\.)(bing\.com|bing\.net|microsoft\.com|msn\.com)$/,
      roots: ['#b_results', '#mmComponent_images_1', '#vm_c', '#b_content'],
    },
    {
      id: 'duckduckgo',
      name: 'DuckDuckGo',
      page: (u) => (/^(www\.)?duckduckgo\.com$/.test(u.hostname) && u.pathname === '/' && u.searchParams.has('q'))
        || (/^(html|lite)\.duckduckgo\.com$/.test(u.hostname) && /^\/(html|lite)\/?$/.test(u.pathname)),
      own: /(^|\.)duckduckgo\.com$/,
      roots: ['[data-testid="mainline"]', '#links', '.react-results--main', '.results'],
    },
    {
      id: 'youtube',
      name: 'YouTube',
      page: (u) => /^(www\.|m\.)?youtube\.com$/.test(u.hostname) && u.pathname === '/results',
      own: /(^|\.)(youtube\.com|youtu\.be|ytimg\.com|ggpht\.com)$/,
      ownResults: /^\/(watch|shorts\/|playlist|@|channel\/|c\/|user\/)/,
      roots: ['ytd-search', 'ytm-search', '#contents'],
      items: 'ytd-video-renderer, ytd-channel-renderer, ytd-playlist-renderer, ytd-radio-renderer, ytd-movie-renderer, ytd-reel-item-renderer, ytm-shorts-lockup-view-model, ytd-rich-item-renderer, ytm-video-with-context-renderer, ytm-compact-channel-renderer',
    },
    {
      id: 'kiddle',
      name: 'Kiddle',
      page: (u) => /^(www\.)?kiddle\.co$/.test(u.hostname) && /^\/[sivn]\.php$/.test(u.pathname),
      own: /(^|\.)(kiddle\.co|google\.[a-z.]+|gstatic\.com)$/,
      roots: ['.gsc-results', '.gsc-expansionArea', '#results', 'main'],
    },
    {
      id: 'swiggle',
      name: 'Swiggle',
      page: (u) => /^(www\.)?swiggle\.org\.uk$/.test(u.hostname) && /^\/(search|images)?\/?$/.test(u.pathname)
        && (u.searchParams.has('q') || u.searchParams.has('search')),
      own: /(^|\.)(swiggle\.org\.uk|google\.[a-z.]+|gstatic\.com|swgfl\.org\.uk)$/,
      roots: ['.gsc-results', '.gsc-expansionArea', '#results', 'main'],
    },
  ]);

  const byId = new Map(ENGINES.map((e) => [e.id, e]));

  function parseUrl(text, base) {
    try {
      return new URL(text, base);
    } catch {
      return null;
    }
  }

  /** The engine whose results page `url` is (`'google'`, `'bing'`, …), or `null`. */
  function detectEngine(url) {
    const u = parseUrl(url);
    if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:')) return null;
    for (const engine of ENGINES) if (engine.page(u)) return engine.id;
    return null;
  }

  /** Bing's `u=a1<base64url of the URL>`. */
  function decodeBingParam(value) {
    if (!/^a1[A-Za-z0-9_-]+=*$/.test(value)) return value;
    try {
      const b64 = value.slice(2).replace(/-/g, '+').replace(/_/g, '/');
      const bytes = Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return null;
    }
  }

  /** One layer of redirect wrapper taken off `u`, as a URL, or `null` when it is not one. */
  function unwrapOnce(u) {
    const host = u.hostname.toLowerCase();
    const path = u.pathname;
    const q = u.searchParams;
    let inner = null;
    if (GOOGLE_HOST.test(host) || /(^|\.)google\.[a-z.]+$/.test(host)) {
      if (path === '/url') inner = q.get('q') ?? q.get('url');
      else if (path === '/imgres') inner = q.get('imgrefurl') ?? q.get('imgurl');
      else if (path === '/aclk' || path === '/pagead/aclk') inner = q.get('adurl');
    } else if (/(^|\.)bing\.com$/.test(host) && path === '/ck/a') {
      const raw = q.get('u');
      inner = raw === null ? null : decodeBingParam(raw);
    } else if (/(^|\.)duckduckgo\.com$/.test(host) && (path === '/l/' || path === '/l')) {
      inner = q.get('uddg');
    } else if (/(^|\.)youtube\.com$/.test(host) && path === '/redirect') {
      inner = q.get('q');
    }
    if (!inner) return null;
    const next = parseUrl(inner);
    return next && (next.protocol === 'https:' || next.protocol === 'http:') ? next : null;
  }

  /**
   * Where `href` (relative to `base`) really leads: engine redirect wrappers taken off (up to
   * four layers), the fragment dropped. `null` for anything that is not an http(s) address.
   */
  function unwrap(href, base) {
    let u = parseUrl(href, base);
    if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:')) return null;
    for (let i = 0; i < 4; i += 1) {
      const inner = unwrapOnce(u);
      if (!inner) break;
      u = inner;
    }
    u.hash = '';
    return u.href;
  }

  /** The address an element leads to, read the way its engine reads it, or `null`. */
  function targetOf(el, base) {
    const m = el.getAttribute('m');
    if (m && m.includes('purl')) {
      try {
        const page = JSON.parse(m).purl;
        if (typeof page === 'string') return unwrap(page, base);
      } catch {
        // Not Bing's JSON: fall through to the link itself.
      }
    }
    const direct = el.getAttribute('data-ctorig') ?? el.getAttribute('data-lpage');
    if (direct) return unwrap(direct, base);
    const href = el.getAttribute('href');
    return href ? unwrap(href, base) : null;
  }

  function isResultTarget(target, engine) {
    const u = parseUrl(target);
    if (!u) return false;
    if (!engine.own.test(u.hostname.toLowerCase())) return true;
    return Boolean(engine.ownResults && engine.ownResults.test(u.pathname));
  }

  /** Results of one site group together (see the top of this file); the engine's own by page. */
  function groupKey(target, engine) {
    const u = parseUrl(target);
    const host = u.hostname.toLowerCase().replace(/^www\./, '');
    if (engine.own.test(u.hostname.toLowerCase())) return `${host}${u.pathname}${u.search}`;
    return host;
  }

  /** The results area of `doc` for `engine`: the first of its roots present, else the body. */
  function resultsRoot(doc, engine) {
    for (const selector of engine.roots) {
      const found = doc.querySelector(selector);
      if (found) return found;
    }
    return doc.body ?? doc.documentElement;
  }

  const LINKS = 'a[href], [data-lpage], a[m]';

  function imagesIn(el) {
    const list = Array.from(el.querySelectorAll('img'));
    if (el.localName === 'img') list.unshift(el);
    return list;
  }

  function linksIn(scope, engine, base) {
    /** @type {{el: Element, target: string, key?: string}[]} */
    const out = [];
    for (const el of scope.querySelectorAll(LINKS)) {
      const target = targetOf(el, base);
      if (target && isResultTarget(target, engine)) out.push({ el, target });
    }
    return out;
  }

  function byItemSelector(rootEl, engine, base) {
    const results = [];
    for (const item of rootEl.querySelectorAll(engine.items)) {
      const links = linksIn(item, engine, base);
      if (!links.length) continue;
      results.push({ item, targets: [...new Set(links.map((l) => l.target))], thumbnails: imagesIn(item) });
    }
    return results;
  }

  function byLinkStructure(rootEl, engine, base) {
    const links = linksIn(rootEl, engine, base);
    // For every element between a link and the root: the one site its links lead to, or MIXED.
    const MIXED = '\u0000mixed';
    const siteOf = new Map();
    for (const link of links) {
      link.key = groupKey(link.target, engine);
      for (let el = link.el; el && el !== rootEl; el = el.parentElement) {
        const seen = siteOf.get(el);
        if (seen === undefined) siteOf.set(el, link.key);
        else if (seen === MIXED) break; // every element above is mixed already
        else if (seen !== link.key) siteOf.set(el, MIXED);
      }
    }
    const items = new Map();
    for (const link of links) {
      let item = link.el;
      while (item.parentElement && item.parentElement !== rootEl && siteOf.get(item.parentElement) === link.key) item = item.parentElement;
      let entry = items.get(item);
      if (!entry) {
        entry = { item, targets: [], thumbnails: imagesIn(item) };
        items.set(item, entry);
      }
      if (!entry.targets.includes(link.target)) entry.targets.push(link.target);
    }
    return [...items.values()];
  }

  /**
   * The results in `doc` (a Document) for the engine `engineId`, resolving relative links
   * against `base` (the page's address). Each result is `{item, targets, thumbnails}`: the
   * element that shows it, every distinct address it leads to (unwrapped), and its `<img>`s,
   * in document order.
   * @returns {{root: Element|null, results: {item: Element, targets: string[], thumbnails: Element[]}[]}}
   */
  function findResults(doc, engineId, base) {
    const engine = byId.get(engineId);
    if (!engine || !doc) return { root: null, results: [] };
    const rootEl = resultsRoot(doc, engine);
    if (!rootEl) return { root: null, results: [] };
    const results = engine.items ? byItemSelector(rootEl, engine, base) : byLinkStructure(rootEl, engine, base);
    return { root: rootEl, results };
  }

  /**
   * The address a saved results page came from, when the file says so: Chrome's
   * `<!-- saved from url=(N)… -->` mark, a canonical link, `og:url` or `<base href>`. For the
   * demo page, where a teacher pastes a page's HTML.
   */
  function savedPageAddress(html, doc) {
    const mark = /<!--\s*saved from url=\(\d+\)(\S+?)\s*-->/i.exec(html ?? '');
    const candidates = [
      mark?.[1],
      doc?.querySelector('link[rel="canonical"]')?.getAttribute('href'),
      doc?.querySelector('meta[property="og:url"]')?.getAttribute('content'),
      doc?.querySelector('base[href]')?.getAttribute('href'),
    ];
    for (const c of candidates) {
      const u = c ? parseUrl(c) : null;
      if (u && (u.protocol === 'https:' || u.protocol === 'http:')) return u.href;
    }
    return null;
  }

  /** A results page address for an engine, to resolve a saved page's relative links against. */
  function engineOrigin(engineId) {
    return {
      google: 'https://www.google.com/search',
      bing: 'https://www.bing.com/search',
      duckduckgo: 'https://duckduckgo.com/',
      youtube: 'https://www.youtube.com/results',
      kiddle: 'https://www.kiddle.co/s.php',
      swiggle: 'https://swiggle.org.uk/search',
    }[engineId] ?? null;
  }

  root.schoolgateResultFinder = Object.freeze({
    ENGINES: Object.freeze(ENGINES.map((e) => Object.freeze({ id: e.id, name: e.name }))),
    LAZY_ATTRIBUTES,
    detectEngine,
    unwrap,
    targetOf,
    findResults,
    savedPageAddress,
    engineOrigin,
  });
}(globalThis));
