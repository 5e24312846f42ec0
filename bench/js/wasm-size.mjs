// Where the WebAssembly package's bytes go, gzipped as the size budget counts them: each section
// of pkg/schoolgate_bg.wasm, the largest data segments (with a sample of their text, to tell
// Unicode tables from lists from panic messages), and, when `twiggy` is installed, the code by
// crate from the un-optimised build (names survive there; wasm-opt shrinks all of it ~1.3×).
//
//   node bench/js/wasm-size.mjs            (after scripts/build-wasm.sh)

import { readFileSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const WASM = join(ROOT, 'pkg', 'schoolgate_bg.wasm');
const RAW = join(ROOT, 'target', 'wasm32-unknown-unknown', 'release', 'schoolgate_wasm.wasm');
const SECTIONS = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'data count'];

const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

function leb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return [value, at];
  }
}

function sections(bytes) {
  const out = [];
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at++];
    let size;
    [size, at] = leb(bytes, at);
    out.push({ id, name: SECTIONS[id] ?? `#${id}`, body: bytes.subarray(at, at + size) });
    at += size;
  }
  return out;
}

function dataSegments(body) {
  const segs = [];
  let [count, at] = leb(body, 0);
  for (let i = 0; i < count; i += 1) {
    let flag;
    [flag, at] = leb(body, at);
    if (flag !== 0) throw new Error(`data segment ${i}: only active segments of memory 0 are read`);
    at += 1; // i32.const
    let offset;
    [offset, at] = leb(body, at);
    at += 1; // end
    let size;
    [size, at] = leb(body, at);
    segs.push({ index: i, offset, bytes: body.subarray(at, at + size) });
    at += size;
  }
  return segs;
}

function sample(bytes) {
  const text = Buffer.from(bytes.subarray(0, 4000)).toString('latin1').match(/[\x20-\x7e]{6,}/g) ?? [];
  return text.join(' | ').slice(0, 90);
}

if (!existsSync(WASM)) {
  console.error(`${WASM} missing: run scripts/build-wasm.sh`);
  process.exit(1);
}
const bytes = readFileSync(WASM);
console.log(`pkg/schoolgate_bg.wasm: ${bytes.length} bytes, ${gz(bytes)} gzipped by Node's zlib at level 9 (the build script's gzip -9 packs a few % tighter)\n`);
console.log('| section | bytes | gzipped alone |\n|---|---:|---:|');
const all = sections(bytes);
for (const s of all) if (s.body.length > 1000) console.log(`| ${s.name} | ${s.body.length} | ${gz(s.body)} |`);

const data = all.find((s) => s.id === 11);
if (data) {
  const segs = dataSegments(data.body).sort((a, b) => gz(b.bytes) - gz(a.bytes)).slice(0, 8);
  console.log('\nLargest data segments (gzipped alone), with the start of their text:\n');
  console.log('| segment | bytes | gzipped | text |\n|---|---:|---:|---|');
  for (const s of segs) console.log(`| ${s.index} | ${s.bytes.length} | ${gz(s.bytes)} | ${sample(s.bytes).replace(/\|/g, '¦')} |`);
}

const twiggy = spawnSync('twiggy', ['top', '-n', '100000', '--format', 'csv', RAW], { encoding: 'utf8', maxBuffer: 64 << 20 });
if (twiggy.status === 0 && existsSync(RAW)) {
  const byCrate = new Map();
  for (const line of twiggy.stdout.split('\n').slice(1)) {
    const m = /^"?(.*?)"?,(\d+),/.exec(line);
    if (!m) continue;
    const name = m[1].replace(/""/g, '"').replace(/^"|"$/g, '');
    const crate = /^<?(?:&(?:mut )?)?([a-z_][a-z0-9_]*)(?:\[[0-9a-f]+\])?::/.exec(name)?.[1] ?? name.slice(0, 40);
    byCrate.set(crate, (byCrate.get(crate) ?? 0) + Number(m[2]));
  }
  console.log('\nUn-optimised build by crate (twiggy, shallow bytes; before wasm-opt):\n');
  for (const [crate, size] of [...byCrate].sort((a, b) => b[1] - a[1]).slice(0, 16)) console.log(`  ${kb(size).padStart(9)}  ${crate}`);
} else {
  console.log('\n(twiggy not installed: `cargo install twiggy` for the code by crate)');
}
