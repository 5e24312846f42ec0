// The interstitial gallery: the real block pages (shared-ui/ui/preview.html, copied to www/ui/)
// each group would see for each kind of block, under the page design ("tier") its preset gives it. The verdicts come from the engine itself, for a
// fixed school morning so the pictures are the same every day.

import { h, fill, fitFrame } from './tester/dom.js';
import { toFragment } from './ui/blockdata.js';
import { LOCALES } from './ui/i18n.js';
import { audienceFor, blockKind, tierFor } from './ui/interstitial.js';

/** What each page design is, for the teacher reading the gallery (docs/block-pages.md). */
const TIER_NOTES = {
  eyfs: 'EYFS page: wordless first. A picture, a big "Hear it" button that speaks one sentence in the page\'s language, a big "Tell a grown-up" button. No phone line, no links out.',
  ks1: 'KS1 page: short words and pictures, Read aloud, a big "Tell a grown-up" button. No phone line, no links out.',
  ks2: 'KS2 page: the reason in plain words, what to do, Ask my teacher, Childline and "Report to CEOP".',
  staff: 'Staff page: the exact rule, list entry, list, category and how to change it.',
};

/** Wednesday 25 November 2026, 10:00 in London (GMT): lessons, games closed until 12:15. */
export const GALLERY_AT_MS = Date.UTC(2026, 10, 25, 10, 0);

/** A reserved name (RFC 2606 `.example`) standing in for an IWF-listed address. */
const LOCKED_DEMO_HOST = 'locked-list-demo.example';

const CASES = [
  { id: 'gambling', title: 'Gambling', url: 'https://www.bet365.com/' },
  { id: 'pornography', title: 'Pornography', url: 'https://www.pornhub.com/' },
  { id: 'games-time', title: 'Games outside their time window', url: 'https://www.roblox.com/games' },
  { id: 'self-harm', title: 'Self-harm (support page)', url: 'https://myproana.com/' },
  { id: 'locked', title: 'Locked illegal content', url: `https://${LOCKED_DEMO_HOST}/`, locked: true },
  { id: 'non-web', title: 'Not a web page (data: address)', url: 'data:text/html,<h1>hello</h1>' },
  { id: 'unparseable', title: 'An address that cannot be read', url: 'http://exa mple.com:99999/' },
  { id: 'search', title: 'A search for gambling', url: 'https://www.google.com/search?q=online+casino', search: true },
];

/**
 * An engine with the built-in policy plus a one-line list in the locked `child-abuse` category,
 * so the gallery can show the locked page without naming a real address. `null` if the package
 * cannot build one.
 */
function lockedDemoEngine(pkg) {
  try {
    const compiled = pkg.compileLists([{ name: 'demo: stands in for the IWF list', category: 'child-abuse', format: 'domains', text: `${LOCKED_DEMO_HOST}\n` }]);
    return pkg.Schoolgate.fromPolicy(pkg.defaultPolicyToml(), [compiled.bytes]);
  } catch {
    return null;
  }
}

/** The fallback when no locked demo engine can be built: what the engine's verdict looks like. */
function syntheticLocked(url, group) {
  return {
    url, canonical: url, action: 'block', category: 'child-abuse', locked: true,
    reason: 'Blocked for everyone: this address is on a locked illegal-content list.',
    rule: { kind: 'locked', entry: LOCKED_DEMO_HOST, source: 'demo' }, group, carried: null,
    lookalike_of: null, next_change: null, next_change_local: null, matches: [],
  };
}

export function setupGallery(app) {
  const body = document.getElementById('gallery-body');
  const groupSelect = /** @type {HTMLSelectElement} */ (document.getElementById('gallery-group'));
  const localeSelect = /** @type {HTMLSelectElement} */ (document.getElementById('gallery-locale'));
  let lockedEngine;
  let lockedFor;

  for (const l of LOCALES) localeSelect.append(h('option', { value: l.id, text: l.name, lang: l.lang }));
  groupSelect.addEventListener('change', render);
  localeSelect.addEventListener('change', () => {
    app.locale = localeSelect.value;
    render();
  });

  function fillGroups() {
    const keep = groupSelect.value;
    fill(groupSelect, h('option', { value: '', text: 'All groups' }),
      ...app.engine.groups.map((g) => h('option', { value: g.name, text: g.label ?? g.name })));
    groupSelect.value = app.engine.groups.some((g) => g.name === keep) ? keep : '';
  }

  function verdictFor(c, group) {
    const engine = app.engine;
    if (c.locked) {
      if (lockedFor !== engine && !engine.custom) {
        lockedEngine = lockedDemoEngine(engine.pkg);
        lockedFor = engine;
      }
      const v = !engine.custom && lockedEngine ? lockedEngine.classify(c.url, group.name, GALLERY_AT_MS) : null;
      return v?.locked ? v : syntheticLocked(c.url, group.name);
    }
    return engine.sg.classify(c.url, group.name, GALLERY_AT_MS);
  }

  function render() {
    const engine = app.engine;
    if (!engine) return;
    const locale = localeSelect.value || 'en_GB';
    const groups = engine.groups.filter((g) => !groupSelect.value || g.name === groupSelect.value);
    const sections = groups.map((group) => {
      // A search case only where the engine judges searches.
      const cases = CASES.filter((c) => !c.search || engine.features.judgeSearch);
      const items = cases.map((c) => {
        const verdict = verdictFor(c, group);
        const headingId = `gallery-${group.name}-${c.id}`;
        const caption = h('figcaption', {},
          h('strong', { id: headingId, text: c.title }),
          ' ',
          h('code', { class: 'url', text: c.url }));
        if (verdict.action !== 'block') {
          return h('figure', { class: 'gallery-item gallery-allowed', dataset: { group: group.name, kind: c.id } },
            caption,
            h('p', {}, h('strong', { text: `Not blocked for ${group.label ?? group.name}. ` }), verdict.reason));
        }
        const data = { verdict, group, locale, atMs: GALLERY_AT_MS, timeZone: engine.timeZone, schoolName: engine.schoolName, demo: true };
        const src = `ui/preview.html${toFragment(data)}`;
        caption.append(' ', h('a', { href: src, target: '_blank', rel: 'noopener', class: 'open-link' },
          'Open full size', h('span', { class: 'visually-hidden', text: ` (${c.title}, ${group.label ?? group.name}, new tab)` })));
        return h('figure', {
          class: 'gallery-item',
          dataset: { group: group.name, kind: c.id, tier: tierFor(group), audience: audienceFor(group), blockKind: blockKind(verdict) },
        },
        caption,
        fitFrame(h('iframe', { src, loading: 'lazy', title: `${group.label ?? group.name}: block page for ${c.title.toLowerCase()}` })));
      });
      const tier = tierFor(group);
      return h('section', { class: 'gallery-group', 'aria-labelledby': `gallery-${group.name}`, dataset: { group: group.name, tier } },
        h('h3', { id: `gallery-${group.name}`, text: `${group.label ?? group.name}${group.staff ? ' (staff view)' : ''}` }),
        h('p', { class: 'gallery-tier', text: TIER_NOTES[tier] }),
        h('div', { class: 'gallery-grid' }, ...items));
    });
    fill(body, ...sections);
  }

  return {
    /** Builds the gallery for the current engine (on load and after the policy changes). */
    refresh() {
      fillGroups();
      render();
    },
  };
}
