// What keeps the school's paperwork true to the product: plain functions over the text of the docs
// and the CLIs' sources, used by docs-paperwork.test.mjs (which also feeds them broken copies, so
// each check is seen to fail).

import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const read = (path) => readFileSync(join(ROOT, path), 'utf8');

/** Every Markdown file the links check covers: README.md and docs/*.md. */
export function markdownFiles() {
  const docs = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
  return ['README.md', ...docs.sort()];
}

/** The lines of a Markdown text outside fenced code blocks. */
function proseLines(text) {
  const out = [];
  let fence = null;
  for (const line of text.split('\n')) {
    const open = /^\s*(```+|~~~+)/.exec(line);
    if (open) {
      if (fence === null) fence = open[1][0];
      else if (open[1][0] === fence) fence = null;
      continue;
    }
    if (fence === null) out.push(line);
  }
  return out;
}

/** The Markdown tables of a text: each `{header: string[], rows: string[][]}`. */
export function tables(text) {
  const out = [];
  let current = null;
  for (const line of proseLines(text)) {
    if (!line.trim().startsWith('|')) {
      current = null;
      continue;
    }
    const cells = splitRow(line);
    if (current === null) {
      current = { header: cells, rows: [] };
      out.push(current);
    } else if (!cells.every((c) => /^:?-+:?$/.test(c))) {
      current.rows.push(cells);
    }
  }
  return out;
}

/** A table row's cells; a `|` inside a code span (`a\|b`) or escaped stays in its cell. */
function splitRow(line) {
  const cells = [];
  let cell = '';
  let code = false;
  const body = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\' && body[i + 1] === '|') {
      cell += '|';
      i++;
    } else if (c === '`') {
      code = !code;
      cell += c;
    } else if (c === '|' && !code) {
      cells.push(cell.trim());
      cell = '';
    } else {
      cell += c;
    }
  }
  cells.push(cell.trim());
  return cells;
}

const codeSpans = (cell) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

/**
 * The field names in a field table's first column. A bare name after a dotted one in the same
 * cell (`filter.action`, `category`) shares its prefix: `filter.category`.
 */
function firstColumnFields(cell) {
  const out = [];
  let prefix = '';
  for (const name of codeSpans(cell)) {
    const dot = name.lastIndexOf('.');
    if (dot > 0) prefix = name.slice(0, dot + 1);
    out.push(dot > 0 ? name : prefix + name);
  }
  return out;
}

/**
 * The field names in a cell such as "`url`, `flag`: `should-be-blocked` or `wrongly-blocked`,
 * `note` (≤ 500 characters)": a code span followed by `:` starts a list of its values, which ends
 * at the value after " or "; code spans inside brackets are explanations, not fields.
 */
export function fieldsInCell(cell) {
  const out = [];
  let depth = 0;
  let inValues = false;
  let i = 0;
  while (i < cell.length) {
    const c = cell[i];
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (c === '`') {
      const end = cell.indexOf('`', i + 1);
      if (end < 0) break;
      const name = cell.slice(i + 1, end);
      const before = cell.slice(0, i);
      const after = cell.slice(end + 1);
      if (depth === 0) {
        if (inValues) {
          if (/\bor\s*$/.test(before)) inValues = false;
        } else {
          out.push(name);
          if (/^\s*:/.test(after)) inValues = true;
        }
      }
      i = end + 1;
      continue;
    }
    i++;
  }
  return out;
}

/**
 * What the privacy notice must name, read from the contracts themselves:
 * - `reportFields`: the first column of docs/reports.md's table of fields;
 * - `batchFields`: the first column of docs/events.md's table of a batch's fields;
 * - `kinds`: each event kind of docs/events.md with the fields it carries.
 */
export function contractFields(reportsMd = read('docs/reports.md'), eventsMd = read('docs/events.md')) {
  const reportTable = tables(reportsMd).find((t) => /^field\b/i.test(t.header[0]));
  const batchTable = tables(eventsMd).find((t) => /^field\b/i.test(t.header[0]));
  const kindTable = tables(eventsMd).find((t) => /^`?kind`?$/i.test(t.header[0]));
  if (!reportTable || !batchTable || !kindTable) throw new Error('a field table is missing from docs/reports.md or docs/events.md');
  return {
    reportFields: reportTable.rows.flatMap((r) => firstColumnFields(r[0])),
    batchFields: batchTable.rows.flatMap((r) => firstColumnFields(r[0])),
    kinds: kindTable.rows.map((r) => ({ kind: codeSpans(r[0])[0], fields: fieldsInCell(r[1]) })),
  };
}

/**
 * Every field the contracts name that the notice does not, as sentences. A field counts as named
 * when it is written as code (`pupil.email`); an event kind's fields must be on one line with the
 * kind, so that the notice says which event carries what.
 */
export function missingFromNotice(notice, contract = contractFields()) {
  const spans = new Set(codeSpans(notice));
  const missing = [];
  for (const f of contract.reportFields) if (!spans.has(f)) missing.push(`report field \`${f}\``);
  for (const f of contract.batchFields) if (!spans.has(f)) missing.push(`event batch field \`${f}\``);
  const lines = notice.split('\n');
  for (const { kind, fields } of contract.kinds) {
    const line = lines.find((l) => new RegExp('`' + kind.replace(/[-]/g, '\\-') + '`').test(l) && fields.every((f) => l.includes('`' + f + '`')));
    if (!line) missing.push(`event kind \`${kind}\` with its fields ${fields.map((f) => `\`${f}\``).join(', ')} on one line`);
  }
  return missing;
}

/**
 * A clap `Subcommand` enum's commands, from the Rust source: `{name: nested enum or null}`.
 * Variants become kebab-case commands (`SigningKey` → `signing-key`), as clap's derive does.
 */
export function clapCommands(source, enumName) {
  const start = source.search(new RegExp(`\\benum ${enumName}\\s*\\{`));
  if (start < 0) throw new Error(`enum ${enumName} not found`);
  const open = source.indexOf('{', start);
  let depth = 0;
  let end = open;
  for (; end < source.length; end++) {
    if (source[end] === '{') depth++;
    else if (source[end] === '}' && --depth === 0) break;
  }
  const body = source.slice(open + 1, end);
  const commands = new Map();
  let level = 0;
  for (const line of body.split('\n')) {
    if (level === 0) {
      const m = /^\s*([A-Z][A-Za-z0-9]*)\s*(\(\s*([A-Z][A-Za-z0-9]*)\s*\))?\s*[,{]?\s*$/.exec(line.replace(/\/\/.*$/, ''));
      if (m && !line.trim().startsWith('#')) {
        const kebab = m[1].replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
        commands.set(kebab, m[3] ?? null);
      }
    }
    for (const c of line.replace(/\/\/.*$/, '')) {
      if (c === '{') level++;
      else if (c === '}') level--;
    }
  }
  return commands;
}

/** The two command lines: each program's commands and, for a command with its own, its subcommands. */
export function cliTree() {
  const tree = {};
  for (const [program, file] of [['schoolgate', 'crates/cli/src/main.rs'], ['schoolgate-hub', 'crates/hub/src/cli.rs']]) {
    const source = read(file);
    const top = clapCommands(source, 'Command');
    tree[program] = new Map([...top].map(([name, nested]) => [name, nested ? new Set(clapCommands(source, nested).keys()) : null]));
    // What the program prints about itself ("schoolgate-hub listening on …") is output, not a command.
    tree[program].prints = new Set([...source.matchAll(new RegExp(`"${program} ([a-z][a-z-]*)`, 'g'))].map((m) => m[1]));
  }
  return tree;
}

/** Options every `schoolgate-hub` command takes before its name, each with a value. */
const GLOBAL_OPTIONS = new Set(['--data', '--database']);

/**
 * Each command line a Markdown text names, from its code (spans and fenced blocks): `{program,
 * words, line}` where `words` are the command and, if any, the next word. The program counts only
 * as a whole word (`schoolgate-hub`, `target/release/schoolgate`, `ExecStart=/usr/local/bin/…`),
 * never as a user name (`-u schoolgate-hub`, `User=schoolgate-hub`) or part of a path.
 */
export function commandsNamed(text) {
  const chunks = [];
  let fence = false;
  for (const line of text.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) {
      fence = !fence;
      continue;
    }
    if (fence) chunks.push(line);
    else for (const span of codeSpans(line)) chunks.push(span);
  }
  const found = [];
  for (const chunk of chunks) {
    const tokens = chunk.split(/\s+/).filter(Boolean);
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i].replace(/^[A-Za-z]+=/, '');
      const m = /^(?:(?:target\/(?:release|debug)|\/usr\/local\/bin)\/)?(schoolgate|schoolgate-hub)$/.exec(token);
      if (!m) continue;
      if (/^(-u|--user|User=|--label)$/.test(tokens[i - 1] ?? '') || /^User=/.test(tokens[i])) continue;
      let j = i + 1;
      while (GLOBAL_OPTIONS.has(tokens[j])) j += 2;
      const word = tokens[j];
      if (!word || !/^[a-z][a-z-]*$/.test(word)) continue;
      const next = tokens[j + 1];
      found.push({ program: m[1], words: [word, next && /^[a-z][a-z-]*$/.test(next) ? next : null], line: chunk.trim() });
    }
  }
  return found;
}

/** Every command a text names that its program does not have, as sentences. */
export function unknownCommands(text, tree = cliTree()) {
  const out = [];
  for (const { program, words: [command, sub], line } of commandsNamed(text)) {
    const commands = tree[program];
    if (commands.prints?.has(command) && !commands.has(command)) continue;
    if (!commands.has(command)) {
      out.push(`\`${program} ${command}\` is not a command (in \`${line}\`)`);
      continue;
    }
    const nested = commands.get(command);
    if (nested && !nested.has(sub)) out.push(`\`${program} ${command} ${sub ?? ''}\` names no ${command} subcommand (in \`${line}\`)`);
  }
  return out;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes, repeats numbered. */
export function anchors(text) {
  const seen = new Map();
  const out = new Set();
  for (const line of proseLines(text)) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const plain = m[1].replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[`*]/g, '');
    const base = plain.toLowerCase().replace(/[^\p{L}\p{N}\p{M}_\- ]/gu, '').replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Every relative link in a Markdown file (outside code) that leads nowhere, as sentences. */
export function brokenLinks(path, text = read(path)) {
  const out = [];
  const here = dirname(join(ROOT, path));
  for (const line of proseLines(text)) {
    const withoutCode = line.replace(/`[^`]*`/g, '');
    for (const m of withoutCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = m[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: …
      const [file, anchor] = target.split('#');
      const full = file ? resolve(here, decodeURIComponent(file)) : join(ROOT, path);
      if (!existsSync(full)) {
        out.push(`${path}: [${target}] leads to a missing file`);
        continue;
      }
      if (anchor && full.endsWith('.md') && statSync(full).isFile()) {
        const targetText = full === join(ROOT, path) ? text : readFileSync(full, 'utf8');
        if (!anchors(targetText).has(anchor)) out.push(`${path}: [${target}] leads to a missing heading`);
      }
    }
  }
  return out;
}
