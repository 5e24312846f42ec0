// How much of a cold wake is Chrome's own: the added delay of the first navigation after the
// service worker was stopped, for three force-installed extensions that differ only in their
// worker. Not part of `node --test` (it starts Chromium three times): run it by hand,
//
//   node tests/extension/wake-floor.mjs      (after scripts/build-wasm.sh)
//
// and it prints a Markdown table for BENCHMARKS.md.
//   empty    one blocking webRequest listener that allows everything: Chrome's floor
//   bytes    + the module holding the wasm's bytes (base64) imported, nothing more
//   wasm     + the WebAssembly package instantiated at start (the bundled bytes, initSync)
//   engine   + the built-in engine built at start, and every navigation decided by it
//   seeded   the same, with the built-in lists compiled by the build (builtin-rules.js), as the
//            real worker starts
// Each has the real extension's key (so the same id and policy path) and only the permissions
// the listener needs.

import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import * as h from './helpers.mjs';

const WARM_N = 9;
const COLD_N = 7;
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

const INIT = `import { WASM_BASE64 } from './wasm-bytes.js';
import * as pkg from './pkg/schoolgate.js';
pkg.initSync({ module: Uint8Array.fromBase64 ? Uint8Array.fromBase64(WASM_BASE64) : Uint8Array.from(atob(WASM_BASE64), (c) => c.charCodeAt(0)) });
`;
const ENGINE = `const sg = new pkg.Schoolgate();
const group = sg.groups().findIndex((g) => g.name === 'eyfs');
const encoder = new TextEncoder();
`;
const DECIDE = `const input = sg.inputBuffer();
  const { written } = encoder.encodeInto(details.url, input);
  if (sg.decideEncoded(written, group, Date.now() / 1000) !== 0) return { cancel: true };
  `;
const BYTES = `import { WASM_BASE64 } from './wasm-bytes.js';
globalThis.wasmBase64Length = WASM_BASE64.length;
`;
const SEED = `import { BUILTIN_RULES_BASE64 } from './builtin-rules.js';
pkg.seedBuiltinLists(Uint8Array.fromBase64 ? Uint8Array.fromBase64(BUILTIN_RULES_BASE64) : Uint8Array.from(atob(BUILTIN_RULES_BASE64), (c) => c.charCodeAt(0)));
`;
const VARIANTS = {
  empty: { head: '', decide: '' },
  bytes: { head: BYTES, decide: '' },
  wasm: { head: INIT, decide: '' },
  engine: { head: INIT + ENGINE, decide: DECIDE },
  seeded: { head: INIT + SEED + ENGINE, decide: DECIDE },
};

function variantDir(name) {
  const { head, decide } = VARIANTS[name];
  const real = JSON.parse(readFileSync(join(h.ROOT, 'extension', 'manifest.json'), 'utf8'));
  const dir = join(h.tempDir('sg-floor-'), name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({
    manifest_version: 3, name: `wake floor: ${name}`, version: real.version, key: real.key,
    minimum_chrome_version: real.minimum_chrome_version,
    background: { service_worker: 'background.js', type: 'module' },
    permissions: ['webRequest', 'webRequestBlocking'], host_permissions: ['<all_urls>'],
    content_security_policy: real.content_security_policy,
  }));
  if (head) {
    cpSync(join(h.ROOT, 'extension', 'pkg'), join(dir, 'pkg'), { recursive: true });
    cpSync(join(h.ROOT, 'extension', 'wasm-bytes.js'), join(dir, 'wasm-bytes.js'));
    cpSync(join(h.ROOT, 'extension', 'builtin-rules.js'), join(dir, 'builtin-rules.js'));
  }
  writeFileSync(join(dir, 'background.js'), `${head}chrome.webRequest.onBeforeRequest.addListener((details) => {
  ${decide}return undefined;
}, { urls: ['<all_urls>'], types: ['main_frame', 'sub_frame'] }, ['blocking']);
`);
  return dir;
}

async function measure(name, server) {
  const { ctx } = await h.launchForceInstalled({ server, crx: h.packCrx(variantDir(name)), settings: { group: 'ks2' } });
  const urls = (prefix, n) => Array.from({ length: n }, (_, i) => `http://www.school-portal.example/${prefix}-${i}`);
  try {
    return {
      warm: median(await h.requestStartTimes(ctx, urls('warm', WARM_N))),
      cold: median(await h.requestStartTimes(ctx, urls('cold', COLD_N), { stopFirst: true })),
    };
  } finally {
    await ctx.close().catch(() => {});
    h.removePolicy();
  }
}

const why = h.cannotRun();
if (why) throw new Error(why);
h.ensureBuilt();
const server = await h.startServer();
const rows = [];
try {
  for (const name of Object.keys(VARIANTS)) rows.push([name, await measure(name, server)]);
} finally {
  await server.close();
  h.cleanUp();
}
console.log(`Command: \`node tests/extension/wake-floor.mjs\` (${new Date().toISOString().slice(0, 10)}), headless Chromium, medians of ${WARM_N} warm and ${COLD_N} cold navigations (\`requestStart − startTime\`).\n`);
console.log('| worker | warm | right after the worker was stopped |\n|---|---:|---:|');
for (const [name, r] of rows) console.log(`| ${name} | ${r.warm.toFixed(1)} ms | ${r.cold.toFixed(1)} ms |`);
