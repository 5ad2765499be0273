// An execution's log, live: what is stored is read a thousand lines at a time
// (the first thousand are painted at once), then the event stream sends every
// new line until the execution ends. Only the lines in view are in the DOM
// (all have one height), so a 100,000-line log scrolls as fast as a short
// one. The view follows the end unless the user scrolls up; #L<n> links a
// line.
import {get, readEventStream} from './api.js';
import {h, statusBadge, downloadLink} from './dom.js';
import {renderAnsi} from './ansi.js';

const overscan = 30;  // lines drawn above and below the visible ones

export async function renderLog(main, [id], {signal}) {
  const workflowId = new URLSearchParams(location.search).get('workflow');
  const title = h('h1', {}, 'Log');
  const state = h('span', {class: 'muted', role: 'status'}, 'loading…');
  const jump = h('button', {type: 'button', class: 'secondary', hidden: true}, 'Follow the end');
  const refused = h('p', {class: 'error', role: 'alert'});
  const download = downloadLink(`/api/v1/executions/${id}/log?format=text`, `${id}.log`,
                                (error) => { refused.textContent = error.message; },
                                {class: 'button secondary'}, 'Download raw log');
  const view = new LogView(jump);
  main.append(
    workflowId ? h('p', {class: 'crumbs'}, h('a', {href: `/workflows/${workflowId}`}, 'Back to the workflow')) : null,
    h('div', {class: 'heading'}, title, state),
    h('div', {class: 'buttons'}, download, jump),
    refused,
    view.element);
  document.title = 'Log · FactoryCI';
  const named = () => workflowId && describe(id, workflowId, title, signal).catch(() => {});  // else the title stays "Log"
  named();
  window.addEventListener('hashchange', () => view.goToHash(), {signal});

  await readStored(id, view, signal);
  state.textContent = 'live';
  const ended = await follow(id, view, signal);
  state.textContent = ended ? 'ended' : '';
  if (ended) named();  // its final status
}

// Names the execution from its workflow's tree.
async function describe(id, workflowId, title, signal) {
  const workflow = await get(`/api/v1/workflows/${workflowId}`, {signal});
  for (const pipeline of workflow.pipelines)
    for (const stage of pipeline.stages)
      for (const execution of stage.executions)
        if (execution.id === id) {
          title.replaceChildren(`${pipeline.name} › ${stage.name} › ${execution.name} `, statusBadge(execution.status));
          document.title = `${execution.name} · Log · FactoryCI`;
        }
}

// Pages through the stored log; the view paints each page as it arrives.
async function readStored(id, view, signal) {
  for (;;) {
    const page = await get(`/api/v1/executions/${id}/log?after=${view.lastSeq()}&limit=1000`, {signal});
    view.append(page.lines);
    if (page.next === null) return;
  }
}

// Streams the lines after the view's last until the execution ends (true)
// or the view goes away (false). A dropped stream is resumed a second later
// where it stopped, after reading what was stored meanwhile: a stream sends
// its backlog at once, and the server drops a stream whose backlog is too big.
async function follow(id, view, signal) {
  for (;;) {
    let ended = false;
    try {
      await readEventStream(`/api/v1/executions/${id}/log/stream?after=${view.lastSeq()}`, (event) => {
        if (event.event === 'line') view.append([JSON.parse(event.data)]);
        ended = event.event === 'end';
        return !ended;
      }, {signal});
    } catch (error) {
      if (signal.aborted || error.status === 401 || error.status === 404) return false;
    }
    if (ended) return true;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await readStored(id, view, signal).catch(() => {});  // a failure here shows as the stream's next
  }
}

class LogView {
  constructor(jumpButton) {
    this.seqs = [];
    this.texts = [];
    this.streams = [];
    this.following = !location.hash;
    this.scheduled = false;
    this.window = h('div', {class: 'log-window'});
    this.sizer = h('div', {class: 'log-sizer'}, this.window);
    this.element = h('div', {class: 'log', tabindex: 0, role: 'region', 'aria-label': 'Log lines'}, this.sizer);
    this.element.addEventListener('scroll', () => this.onScroll());
    this.jumpButton = jumpButton;
    jumpButton.addEventListener('click', () => {
      this.following = true;
      this.scrollToEnd();
    });
  }

  lastSeq() {
    return this.seqs.at(-1) ?? 0;
  }

  append(lines) {
    for (const line of lines) {
      if (line.seq <= this.lastSeq()) continue;  // a resumed stream may repeat
      this.seqs.push(line.seq);
      this.texts.push(line.text);
      this.streams.push(line.stream);
    }
    this.schedule();
  }

  schedule() {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => this.paint());
  }

  lineHeight() {
    this.measured ??= parseFloat(getComputedStyle(this.element).getPropertyValue('--log-line-height')) || 20;
    return this.measured;
  }

  paint() {
    this.scheduled = false;
    const height = this.lineHeight();
    this.sizer.style.height = `${this.seqs.length * height}px`;
    if (this.following) this.element.scrollTop = this.element.scrollHeight;
    else if (location.hash && !this.wentToHash) this.goToHash();
    const first = Math.max(0, Math.floor(this.element.scrollTop / height) - overscan);
    const last = Math.min(this.seqs.length, Math.ceil((this.element.scrollTop + this.element.clientHeight) / height) + overscan);
    this.window.style.transform = `translateY(${first * height}px)`;
    const rows = [];
    for (let i = first; i < last; ++i) rows.push(this.row(i));
    this.window.replaceChildren(...rows);
    this.jumpButton.hidden = this.following;
  }

  row(i) {
    const seq = this.seqs[i];
    const anchor = `L${seq}`;
    return h('div', {class: `line stream-${this.streams[i]}${location.hash === `#${anchor}` ? ' target' : ''}`, id: anchor},
      h('a', {class: 'number', href: `#${anchor}`, tabindex: -1}, String(seq)),
      h('span', {class: 'text'}, renderAnsi(this.texts[i])));
  }

  onScroll() {
    const atEnd = this.element.scrollTop + this.element.clientHeight >= this.element.scrollHeight - 2;
    this.following = atEnd;
    this.schedule();
  }

  scrollToEnd() {
    this.element.scrollTop = this.element.scrollHeight;
    this.schedule();
  }

  // Scrolls line #L<n> into the middle of the view, once it is loaded.
  goToHash() {
    const seq = Number(location.hash.match(/^#L(\d+)$/)?.[1]);
    const index = this.seqs.indexOf(seq);
    if (index < 0) return;
    this.wentToHash = true;
    this.following = false;
    this.element.scrollTop = index * this.lineHeight() - this.element.clientHeight / 2;
    this.schedule();
  }
}
