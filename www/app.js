// The demo page: loads the engine once, then wires the policy tester, the block-page gallery and
// the policy workbench to it. `app.engine` is the engine in force; the workbench can swap it for
// one built from a school's own policy, and only ever for a working one.

import { loadPackage, describeEngine, builtinPolicyText } from './tester/engine.js';
import { setupTester } from './tester/tester.js';
import { renderTesterMarkup } from './tester/markup.js';
import { loadMessages } from './ui/i18n.js';
import { h, fill } from './tester/dom.js';

const app = { pkg: null, engine: null, builtin: null, builtinPolicyText: null, messages: null, locale: 'en_GB' };
const status = document.getElementById('engine-status');

function showPolicyInUse(tester) {
  const box = document.getElementById('policy-in-use');
  const engine = app.engine;
  if (!engine.custom) {
    fill(box, h('p', {}, 'Testing with ', h('strong', { text: 'the built-in default policy' }), ` (${engine.groups.length} groups). You can change it in the `, h('a', { href: '#workbench', text: 'policy workbench' }), '.'));
    return;
  }
  fill(box, h('p', {}, 'Testing with ', h('strong', { text: `your policy “${engine.schoolName}”` }),
    engine.listCount ? ` and your ${engine.listCount === 1 ? 'list' : 'lists'}` : '', ` (${engine.groups.length} groups). `,
    h('button', {
      type: 'button',
      class: 'link-button',
      text: 'Go back to the built-in policy',
      onclick: () => {
        use(app.builtin, tester);
        document.getElementById('q').focus();
      },
    })));
}

/** @type {{tester: any, gallery: any, workbench: any, preview?: any}} */
let parts;
function use(engine, tester) {
  app.engine = engine;
  showPolicyInUse(tester);
  parts.tester.rerun();
  parts.gallery.refresh();
  parts.workbench.showPolicy();
  parts.preview?.refresh();
}

// The tester's markup is the staff page's too (shared-ui/tester/markup.js); here with the demo's examples.
renderTesterMarkup(document.getElementById('tester'), {
  examples: [
    { label: 'A betting site', query: '?q=https%3A%2F%2Fwww.bet365.com%2F' },
    { label: 'BBC Bitesize', query: '?q=https%3A%2F%2Fwww.bbc.co.uk%2Fbitesize' },
    { label: 'Roblox at lunchtime', query: '?q=https%3A%2F%2Fwww.roblox.com%2Fgames&at=2026-11-25T12%3A30' },
    { label: 'Roblox in a lesson', query: '?q=https%3A%2F%2Fwww.roblox.com%2Fgames&at=2026-11-25T10%3A00' },
    { label: 'TikTok through Google Translate', query: '?q=https%3A%2F%2Fwww-tiktok-com.translate.goog%2F' },
    { label: 'A lookalike address', query: '?q=https%3A%2F%2Fwww.b%D0%B5t365.com%2F' },
    { label: 'A homework search', query: '?q=how+do+volcanoes+work&as=search' },
    { label: 'A YouTube search', query: '?q=https%3A%2F%2Fwww.youtube.com%2Fresults%3Fsearch_query%3Dcats' },
    { label: 'A data: address', query: '?q=data%3Atext%2Fhtml%2Chello' },
  ],
});

async function main() {
  performance.mark('schoolgate-start');
  const [pkg, messages] = await Promise.all([loadPackage(), loadMessages('en_GB')]);
  performance.mark('schoolgate-wasm-ready');
  app.pkg = pkg;
  app.messages = messages;
  app.builtin = describeEngine(pkg, new pkg.Schoolgate());
  app.engine = app.builtin;
  performance.mark('schoolgate-engine-ready');

  const tester = setupTester(app);
  parts = { tester, gallery: { refresh() {} }, workbench: { showPolicy() {} } };
  showPolicyInUse(tester);
  /** @type {HTMLFieldSetElement} */ (document.getElementById('tester-fields')).disabled = false;
  tester.start();

  const ready = performance.now();
  const version = typeof pkg.version === 'function' ? pkg.version() : '';
  status.textContent = `Engine ${version} ready in ${Math.round(ready)} ms.`;
  status.classList.add('engine-ready');
  document.getElementById('timing').textContent = `This page became interactive ${Math.round(ready)} ms after it started loading.`;
  document.documentElement.dataset.ready = 'true';
  /** @type {any} */ (window).schoolgateDemo = { timeToInteractive: ready, app };
  performance.mark('schoolgate-interactive');

  // The workbench and the gallery are further down the page: load them once the tester works.
  // The gallery's frames then load lazily, as they scroll into view.
  const [{ setupWorkbench }, { setupGallery }, { setupTellAdult }, policyText] = await Promise.all([
    import('./workbench.js'), import('./gallery.js'), import('./tell-adult.js'), builtinPolicyText(pkg, new URL('./pkg/', import.meta.url)),
  ]);
  app.builtinPolicyText = policyText;
  parts.workbench = setupWorkbench(app, { onUse: (engine) => use(engine, tester) });
  parts.gallery = setupGallery(app);
  parts.gallery.refresh();
  setupTellAdult(app);
  const { setupPreview } = await import('./preview.js');
  parts.preview = setupPreview(app);
  document.documentElement.dataset.complete = 'true';
}

main().catch((error) => {
  status.textContent = error.message ?? String(error);
  status.classList.add('engine-failed');
  document.documentElement.dataset.ready = 'failed';
  console.error(error);
});
