// Small helpers every view uses: building elements, and showing times,
// durations, sizes and statuses the same way everywhere.
import {saveDownload, token} from './api.js';

// h('a', {href: '/'}, 'text', child…): an element with attributes (on* are
// listeners) and children (strings become text, null/false are skipped).
export function h(tag, attributes = {}, ...children) {
  const element = tag.startsWith('svg:')
    ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4))
    : document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : value);
  }
  element.append(...children.flat(Infinity).filter((child) => child !== null && child !== undefined && child !== false));
  return element;
}

export function statusBadge(status) {
  return h('span', {class: `status status-${status}`}, status.replaceAll('_', ' '));
}

// "1h 02m", "3m 07s", "12.4s", "0.35s"
export function formatDuration(milliseconds) {
  const seconds = milliseconds / 1000;
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(2) : seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

// How long a workflow, pipeline, stage or execution ran (or has run so far);
// '' when it did not start.
export function durationOf(node, now = Date.now()) {
  if (!node.started_at) return '';
  const end = node.finished_at ? Date.parse(node.finished_at) : now;
  return formatDuration(Math.max(0, end - Date.parse(node.started_at)));
}

// "512 bytes", "2.0 kB", "1.2 MB", "10.7 GB": decimal units, one decimal,
// as file managers show sizes.
export function formatSize(bytes) {
  if (bytes < 1000) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  const units = ['kB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes / 1000;
  let unit = 0;
  for (; value >= 999.95 && unit < units.length - 1; ++unit) value /= 1000;
  return `${value.toFixed(1)} ${units[unit]}`;
}

// A size with its exact byte count as a tooltip.
export const sizeElement = (bytes) =>
  h('span', {title: `${bytes.toLocaleString('en')} bytes`}, formatSize(bytes));

export function formatTime(timestamp) {
  if (!timestamp) return '';
  return new Date(timestamp).toLocaleString(undefined, {dateStyle: 'medium', timeStyle: 'medium'});
}

export function timeElement(timestamp) {
  return timestamp ? h('time', {datetime: timestamp}, formatTime(timestamp)) : h('span', {}, '—');
}

// "push main", "tag v1.2.0", "pull_request feature/x → main"
export function describeEvent(event) {
  if (event.tag) return `${event.name} ${event.tag}`;
  if (event.target_branch) return `${event.name} ${event.branch} → ${event.target_branch}`;
  return `${event.name} ${event.branch}`;
}

export function shortSha(sha) {
  return sha ? sha.slice(0, 7) : '';
}

export function isFinal(status) {
  return !['waiting_for_approval', 'queued', 'running'].includes(status);
}

// What a project's role lets its holder do (the API's roles, docs/people.md).
export const mayWrite = (project) => project.role === 'write' || project.role === 'admin';
export const mayAdminister = (project) => project.role === 'admin';

// A table of `headings` with `rows`, or one row saying `empty`.
export const listTable = (headings, rows, empty) =>
  h('div', {class: 'table-scroll'},
    h('table', {class: 'list'},
      h('thead', {}, h('tr', {}, headings.map((title) => h('th', {scope: 'col'}, title)))),
      h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', {colspan: headings.length}, empty)))));

// A link that downloads what the API answers at `path`. Signed in with
// GitHub (or signed out, on a public project) the browser follows it
// itself, sending the session's cookie, and streams the file to disk as any
// download. A pasted token travels only in a header, never in a URL, so
// with one the click fetches the file and saves it through a blob URL
// instead; `failed(error)` shows that fetch's refusal.
export function downloadLink(path, fileName, failed, attributes, ...children) {
  return h('a', {...attributes, href: path, download: fileName, onclick: (event) => {
    if (!token()) return;
    event.preventDefault();
    saveDownload(path, fileName).catch(failed);
  }}, ...children);
}

// Replaces `container`'s children, keeping keyboard focus on the link or
// button of the same href or name if focus was inside: live views redraw
// every second without losing the user's place.
export function replaceKeepingFocus(container, ...children) {
  const focused = container.contains(document.activeElement) ? document.activeElement : null;
  const key = focused && (focused.getAttribute('href') ?? focused.getAttribute('name'));
  container.replaceChildren(...children.flat(Infinity).filter((child) => child !== null && child !== undefined && child !== false));
  if (!key) return;
  const again = [...container.querySelectorAll('[href], [name]')].find(
    (element) => (element.getAttribute('href') ?? element.getAttribute('name')) === key);
  again?.focus();
}
