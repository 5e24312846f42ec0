// The demo page: loads the engine once, then wires the policy tester, the block-page gallery and
// the policy workbench to it. `app.engine` is the engine in force; the workbench can swap it for
// one built from a school's own policy, and only ever for a working one.

import { loadPackage, describeEngine, builtinPolicyText } from './engine.js';
import { setupTester } from './tester.js';
import { loadMessages } from './ui/i18n.js';
import { h, fill } from './dom.js';

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

let parts;
function use(engine, tester) {
  app.engine = engine;
  showPolicyInUse(tester);
  parts.tester.rerun();
  parts.gallery.refresh();
  parts.workbench.showPolicy();
  parts.preview?.refresh();
}

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
  document.getElementById('tester-fields').disabled = false;
  tester.start();

  const ready = performance.now();
  const version = typeof pkg.version === 'function' ? pkg.version() : '';
  status.textContent = `Engine ${version} ready in ${Math.round(ready)} ms.`;
  status.classList.add('engine-ready');
  document.getElementById('timing').textContent = `This page became interactive ${Math.round(ready)} ms after it started loading.`;
  document.documentElement.dataset.ready = 'true';
  window.schoolgateDemo = { timeToInteractive: ready, app };
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
