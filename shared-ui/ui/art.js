// Pictures for the block pages, drawn as inline SVG so they need no network, scale to any screen
// and take the page's colours. All drawn for Schoolgate; no third-party art.
//
// Every function takes the `document` to build in (the block page's, or a frame's on the demo).

const NS = 'http://www.w3.org/2000/svg';

/** Builds `[tag, attrs, ...children]` trees into SVG elements. */
function build(doc, node) {
  const [tag, attrs = {}, ...children] = node;
  const el = doc.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const child of children) el.append(build(doc, child));
  return el;
}

/**
 * @param {Document} doc
 * @param {string} viewBox
 * @param {any[]} nodes
 * @param {{label?: string, className?: string}} [options]
 */
function svg(doc, viewBox, nodes, { label, className } = {}) {
  const root = build(doc, ['svg', { viewBox, xmlns: NS, focusable: 'false' }, ...nodes]);
  if (className) root.setAttribute('class', className);
  if (label) {
    root.setAttribute('role', 'img');
    root.setAttribute('aria-label', label);
  } else {
    root.setAttribute('aria-hidden', 'true');
  }
  return root;
}

const INK = '#1d2b3a';

/** Hands of an analogue clock face for `hh:mm`, centred at (cx, cy). */
function clockFace(cx, cy, r, time) {
  const [h, m] = (time ?? '12:15').split(':').map(Number);
  const minuteAngle = ((m % 60) / 60) * 2 * Math.PI;
  const hourAngle = (((h % 12) + m / 60) / 12) * 2 * Math.PI;
  const hand = (angle, len) => [cx + Math.sin(angle) * len, cy - Math.cos(angle) * len].map((n) => n.toFixed(1));
  const [hx, hy] = hand(hourAngle, r * 0.5);
  const [mx, my] = hand(minuteAngle, r * 0.78);
  const ticks = [];
  for (let i = 0; i < 12; i += 1) {
    const a = (i / 12) * 2 * Math.PI;
    const [x1, y1] = hand(a, r * 0.82);
    const [x2, y2] = hand(a, r * (i % 3 === 0 ? 0.68 : 0.74));
    ticks.push(['line', { x1, y1, x2, y2, stroke: INK, 'stroke-width': i % 3 === 0 ? 3 : 1.5, 'stroke-linecap': 'round' }]);
  }
  return [
    ['circle', { cx, cy, r, fill: '#fffdf5', stroke: INK, 'stroke-width': 4 }],
    ...ticks,
    ['line', { x1: cx, y1: cy, x2: hx, y2: hy, stroke: INK, 'stroke-width': 6, 'stroke-linecap': 'round' }],
    ['line', { x1: cx, y1: cy, x2: mx, y2: my, stroke: '#b3261e', 'stroke-width': 4, 'stroke-linecap': 'round' }],
    ['circle', { cx, cy, r: 4, fill: INK }],
  ];
}

/**
 * Pip, a calm owl who looks after the pupils' screens.
 * @param {Document} doc
 * @param {{mood?: 'calm'|'kind'|'wait'|'stop', time?: string, label?: string}} [options]
 *   `calm`: waves; `kind`: holds a heart (support pages); `wait`: holds a clock showing `time`;
 *   `stop`: holds up a wing, gently.
 */
export function owl(doc, { mood = 'calm', time, label } = {}) {
  const body = '#5b8fb9';
  const bodyDark = '#3f6f96';
  const belly = '#e6f0f7';
  const eyes = mood === 'kind'
    ? [ // smiling, closed eyes
        ['circle', { cx: 76, cy: 92, r: 21, fill: '#fff' }],
        ['circle', { cx: 124, cy: 92, r: 21, fill: '#fff' }],
        ['path', { d: 'M64 95 Q76 83 88 95', fill: 'none', stroke: INK, 'stroke-width': 5, 'stroke-linecap': 'round' }],
        ['path', { d: 'M112 95 Q124 83 136 95', fill: 'none', stroke: INK, 'stroke-width': 5, 'stroke-linecap': 'round' }],
      ]
    : [
        ['circle', { cx: 76, cy: 92, r: 21, fill: '#fff' }],
        ['circle', { cx: 124, cy: 92, r: 21, fill: '#fff' }],
        ['circle', { cx: 79, cy: 95, r: 10, fill: INK }],
        ['circle', { cx: 121, cy: 95, r: 10, fill: INK }],
        ['circle', { cx: 82, cy: 91, r: 3.5, fill: '#fff' }],
        ['circle', { cx: 124, cy: 91, r: 3.5, fill: '#fff' }],
      ];
  const leftWing = ['path', { d: 'M42 118 Q22 150 46 178 Q56 150 56 124 Z', fill: bodyDark }];
  let rightWing = ['path', { d: 'M158 118 Q178 150 154 178 Q144 150 144 124 Z', fill: bodyDark }];
  const extras = [];
  if (mood === 'calm') {
    rightWing = ['path', { d: 'M150 124 Q176 104 182 70 Q190 76 186 96 Q178 124 156 140 Z', fill: bodyDark }];
  } else if (mood === 'stop') {
    rightWing = ['path', { d: 'M150 124 Q170 110 176 84 L190 86 Q188 118 158 142 Z', fill: bodyDark }];
    extras.push(['ellipse', { cx: 183, cy: 80, rx: 12, ry: 16, fill: bodyDark }]);
  } else if (mood === 'kind') {
    extras.push(['path', {
      d: 'M100 186 C70 164 66 140 84 134 C94 131 100 140 100 146 C100 140 106 131 116 134 C134 140 130 164 100 186 Z',
      fill: '#d4477a', stroke: '#8f2550', 'stroke-width': 3,
    }]);
  } else if (mood === 'wait') {
    extras.push(...clockFace(100, 160, 34, time));
  }
  return svg(doc, '0 0 200 210', [
    ['ellipse', { cx: 100, cy: 200, rx: 60, ry: 7, fill: '#000', opacity: 0.08 }],
    ['path', { d: 'M52 62 L46 24 L78 50 Z', fill: bodyDark }],
    ['path', { d: 'M148 62 L154 24 L122 50 Z', fill: bodyDark }],
    ['ellipse', { cx: 100, cy: 124, rx: 60, ry: 72, fill: body }],
    ['ellipse', { cx: 100, cy: 146, rx: 38, ry: 44, fill: belly }],
    ['path', { d: 'M84 140 q6 6 12 0 M104 140 q6 6 12 0 M94 156 q6 6 12 0', fill: 'none', stroke: '#a9c4da', 'stroke-width': 3, 'stroke-linecap': 'round' }],
    leftWing,
    rightWing,
    ...eyes,
    ['path', { d: 'M92 110 L100 124 L108 110 Z', fill: '#f2a33a', stroke: '#b86e12', 'stroke-width': 2, 'stroke-linejoin': 'round' }],
    ['circle', { cx: 58, cy: 112, r: 8, fill: '#f4a7b9', opacity: 0.7 }],
    ['circle', { cx: 142, cy: 112, r: 8, fill: '#f4a7b9', opacity: 0.7 }],
    ['path', { d: 'M80 192 l-6 8 M86 193 l0 9 M92 192 l6 8 M108 192 l-6 8 M114 193 l0 9 M120 192 l6 8', stroke: '#f2a33a', 'stroke-width': 4, 'stroke-linecap': 'round' }],
    ...extras,
  ], { label, className: 'sg-owl' });
}

/**
 * A grown-up and a child side by side: "tell a grown-up".
 * @param {Document} doc
 * @param {{label?: string}} [options]
 */
export function tellAdult(doc, { label } = {}) {
  return svg(doc, '0 0 160 120', [
    ['circle', { cx: 52, cy: 30, r: 17, fill: '#8d5a3b' }],
    ['path', { d: 'M24 112 L28 66 Q52 48 76 66 L80 112 Z', fill: '#2f6f5e' }],
    ['circle', { cx: 112, cy: 58, r: 13, fill: '#e0ac7e' }],
    ['path', { d: 'M92 112 L95 84 Q112 72 129 84 L132 112 Z', fill: '#c65d3b' }],
    ['path', { d: 'M76 78 Q92 70 98 88', fill: 'none', stroke: '#2f6f5e', 'stroke-width': 7, 'stroke-linecap': 'round' }],
    ['path', { d: 'M120 28 q10 -12 22 -4 q8 10 -4 16 l-10 4 l2 -6 q-12 -2 -10 -10 Z', fill: '#fff', stroke: INK, 'stroke-width': 2.5 }],
    ['circle', { cx: 130, cy: 28, r: 2, fill: INK }],
    ['circle', { cx: 137, cy: 28, r: 2, fill: INK }],
  ], { label, className: 'sg-picture' });
}

/**
 * A clock showing `time` (`hh:mm`).
 * @param {Document} doc
 * @param {{time?: string, label?: string}} [options]
 */
export function clock(doc, { time, label } = {}) {
  return svg(doc, '0 0 100 100', clockFace(50, 50, 44, time), { label, className: 'sg-picture' });
}

const ICONS = {
  back: [['path', { d: 'M20 12 H6 M11 6 L5 12 L11 18', fill: 'none', stroke: 'currentColor', 'stroke-width': 2.6, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' }]],
  speak: [
    ['path', { d: 'M4 9 H8 L13 5 V19 L8 15 H4 Z', fill: 'currentColor' }],
    ['path', { d: 'M16 9 Q18 12 16 15 M18.5 6.5 Q22.5 12 18.5 17.5', fill: 'none', stroke: 'currentColor', 'stroke-width': 2, 'stroke-linecap': 'round' }],
  ],
  stop: [['rect', { x: 6, y: 6, width: 12, height: 12, rx: 2, fill: 'currentColor' }]],
  hand: [['path', { d: 'M8 21 Q5 17 5 13 V9 Q5 7.5 6.5 7.5 Q8 7.5 8 9 V12 V4.5 Q8 3 9.5 3 Q11 3 11 4.5 V11 V3.5 Q11 2 12.5 2 Q14 2 14 3.5 V11 V5 Q14 3.5 15.5 3.5 Q17 3.5 17 5 V14 Q17 19 14 21 Z', fill: 'none', stroke: 'currentColor', 'stroke-width': 1.8, 'stroke-linejoin': 'round' }]],
  heart: [['path', { d: 'M12 20 C5 15 3 11 5 8 C7 5 11 6 12 9 C13 6 17 5 19 8 C21 11 19 15 12 20 Z', fill: 'none', stroke: 'currentColor', 'stroke-width': 2, 'stroke-linejoin': 'round' }]],
  flag: [['path', { d: 'M6 21 V4 M6 4 H17 L14.5 8 L17 12 H6', fill: 'none', stroke: 'currentColor', 'stroke-width': 2, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' }]],
  lock: [
    ['rect', { x: 5, y: 11, width: 14, height: 10, rx: 2, fill: 'currentColor' }],
    ['path', { d: 'M8 11 V8 Q8 4 12 4 Q16 4 16 8 V11', fill: 'none', stroke: 'currentColor', 'stroke-width': 2.2 }],
  ],
  // A plain shield (ours, not the CEOP logo): "report to CEOP", the police's child protection team.
  shield: [['path', { d: 'M12 2.5 L20 5.5 V11 Q20 17.5 12 21.5 Q4 17.5 4 11 V5.5 Z M8.5 11.5 L11 14 L15.5 9', fill: 'none', stroke: 'currentColor', 'stroke-width': 2, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' }]],
  phone: [['path', { d: 'M6 3 H10 L11.5 8 L9 9.5 Q10.5 13.5 14.5 15 L16 12.5 L21 14 V18 Q21 21 18 21 Q4 20 3 6 Q3 3 6 3 Z', fill: 'none', stroke: 'currentColor', 'stroke-width': 1.8, 'stroke-linejoin': 'round' }]],
};

/** A small icon for a button; decorative, since the button has a text label. */
export function icon(doc, name) {
  return svg(doc, '0 0 24 24', ICONS[name] ?? [], { className: 'sg-icon' });
}
