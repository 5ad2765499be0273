// ANSI SGR escape sequences (colours, bold, italic, underline) in a log line
// → spans. Each line starts plain, as most tools reset at line ends; other
// escape sequences (cursor moves, erasing) are dropped.
import {h} from './dom.js';

const escape = /\x1b\[([0-9;]*)([A-Za-z])|\x1b[@-Z\\-_]/g;

// The 256-colour palette's entries above the 16 named ones, as CSS.
function paletteColour(n) {
  if (n >= 232) {
    const grey = 8 + (n - 232) * 10;
    return `rgb(${grey}, ${grey}, ${grey})`;
  }
  const cube = n - 16;
  const level = (v) => (v ? 55 + v * 40 : 0);
  return `rgb(${level(Math.floor(cube / 36))}, ${level(Math.floor(cube / 6) % 6)}, ${level(cube % 6)})`;
}

// 38;5;n / 38;2;r;g;b (and 48 for backgrounds): a colour, and how many codes it used.
function extendedColour(codes, i) {
  if (codes[i + 1] === 5) {
    const n = codes[i + 2] ?? 0;
    return n < 16 ? {index: n, used: 2} : {css: paletteColour(n), used: 2};
  }
  if (codes[i + 1] === 2) return {css: `rgb(${codes[i + 2] ?? 0}, ${codes[i + 3] ?? 0}, ${codes[i + 4] ?? 0})`, used: 4};
  return {used: 0};
}

function applyCodes(state, codes) {
  for (let i = 0; i < codes.length; ++i) {
    const code = codes[i];
    if (code === 0) Object.assign(state, {bold: false, dim: false, italic: false, underline: false, fg: null, bg: null});
    else if (code === 1) state.bold = true;
    else if (code === 2) state.dim = true;
    else if (code === 3) state.italic = true;
    else if (code === 4) state.underline = true;
    else if (code === 22) state.bold = state.dim = false;
    else if (code === 23) state.italic = false;
    else if (code === 24) state.underline = false;
    else if (code >= 30 && code <= 37) state.fg = {index: code - 30};
    else if (code >= 90 && code <= 97) state.fg = {index: code - 90 + 8};
    else if (code === 39) state.fg = null;
    else if (code >= 40 && code <= 47) state.bg = {index: code - 40};
    else if (code >= 100 && code <= 107) state.bg = {index: code - 100 + 8};
    else if (code === 49) state.bg = null;
    else if (code === 38 || code === 48) {
      const colour = extendedColour(codes, i);
      state[code === 38 ? 'fg' : 'bg'] = colour.used ? colour : null;
      i += colour.used;
    }
  }
}

function styledSpan(text, state) {
  const classes = [];
  if (state.bold) classes.push('ansi-bold');
  if (state.dim) classes.push('ansi-dim');
  if (state.italic) classes.push('ansi-italic');
  if (state.underline) classes.push('ansi-underline');
  if (state.fg?.index !== undefined) classes.push(`ansi-fg-${state.fg.index}`);
  if (state.bg?.index !== undefined) classes.push(`ansi-bg-${state.bg.index}`);
  const span = h('span', {class: classes.join(' ') || null}, text);
  if (state.fg?.css) span.style.color = state.fg.css;  // CSSOM, which the page's CSP allows
  if (state.bg?.css) span.style.backgroundColor = state.bg.css;
  return span;
}

// The nodes of one line: plain text stays a text node.
export function renderAnsi(text) {
  if (!text.includes('\x1b')) return [text];
  const nodes = [];
  const state = {};
  let plain = true;
  let last = 0;
  const flush = (end) => {
    if (end > last) nodes.push(plain ? text.slice(last, end) : styledSpan(text.slice(last, end), state));
  };
  for (const match of text.matchAll(escape)) {
    flush(match.index);
    last = match.index + match[0].length;
    if (match[2] !== 'm') continue;
    applyCodes(state, match[1] === '' ? [0] : match[1].split(';').map(Number));
    plain = !Object.values(state).some(Boolean);
  }
  flush(text.length);
  return nodes;
}
