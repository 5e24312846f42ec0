// A tiny DOM builder: every piece of text goes in through textContent, never as HTML.

/**
 * `h('p', {class: 'x', text: 'hello'}, child, 'more text')`.
 * Props: `class`, `text`, `on<event>` handlers, `dataset` (object), boolean attributes as `true`;
 * `null`, `undefined` and `false` props are skipped. String children become text nodes.
 */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v == null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (k === 'value' || k === 'checked' || k === 'selected') node[k] = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const c of children) {
    if (c == null || c === false) continue;
    if (Array.isArray(c)) append(node, c);
    else node.append(c);
  }
}

/** Replaces an element's children. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

/** `<dl>` rows from `[term, value]` pairs, skipping empty values. Values may be nodes. */
export function rows(pairs) {
  const out = [];
  for (const [term, value] of pairs) {
    if (value == null || value === '' || (Array.isArray(value) && !value.length)) continue;
    out.push(h('dt', { text: term }), h('dd', {}, value));
  }
  return out;
}

/** Moves focus to an element that is not normally focusable (a heading, a message). */
export function focusOn(node) {
  if (!node) return;
  if (!node.hasAttribute('tabindex')) node.setAttribute('tabindex', '-1');
  node.focus();
}

/**
 * Sizes a same-origin frame to its content once the page in it says it is ready
 * (`<html data-ready="true">`), and keeps it sized as the content changes.
 */
export function fitFrame(frame) {
  const fit = () => {
    const doc = frame.contentDocument;
    if (!doc?.documentElement) return;
    const height = doc.documentElement.scrollHeight;
    if (height > 0) frame.style.height = `${height}px`;
  };
  frame.addEventListener('load', () => {
    const doc = frame.contentDocument;
    const win = frame.contentWindow;
    if (!doc || !win) return;
    const start = () => {
      fit();
      const body = doc.querySelector('.sg-card') ?? doc.body;
      if (body && win.ResizeObserver) new win.ResizeObserver(fit).observe(body);
    };
    if (doc.documentElement.dataset.ready) start();
    else new win.MutationObserver((_, observer) => {
      if (doc.documentElement.dataset.ready) {
        observer.disconnect();
        start();
      }
    }).observe(doc.documentElement, { attributes: true, attributeFilter: ['data-ready'] });
  });
  return frame;
}
