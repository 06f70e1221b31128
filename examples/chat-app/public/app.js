'use strict';
/*
 * The chat page: plain browser JavaScript, no build step.
 *
 * - model picker filled from GET /v1/models, grouped by `provider`, refreshed every 30 s;
 * - POST /v1/chat/completions with `stream: true`, read with fetch + a ReadableStream SSE reader;
 * - Stop aborts the fetch (AbortController): the router then cancels the upstream request;
 * - the line under each answer comes from the router's telemetry (`request.end`), which the host
 *   streams to the page at /api/telemetry/stream, matched by the response's `x-request-id`.
 */
(() => {
  const MODELS_REFRESH_MS = 30_000;
  const TELEMETRY_WAIT_MS = 1_500;
  const ACTIVITY_LIMIT = 30;
  const PROVIDER_ORDER = ['local', 'openai', 'openrouter', 'anthropic'];
  const PROVIDER_NAMES = { local: 'llama-server', openai: 'OpenAI', openrouter: 'OpenRouter', anthropic: 'Anthropic', custom: 'Custom' };
  const ERROR_TITLES = {
    provider_not_configured: 'Provider not configured',
    upstream_unreachable: 'Provider unreachable',
    upstream_timeout: 'Provider timed out',
    upstream_invalid_response: 'Provider answered badly',
    invalid_model: 'Invalid model',
    body_too_large: 'Message too large',
  };

  const $ = (id) => document.getElementById(id);
  const els = {
    modelSelect: $('model-select'),
    modelForm: $('custom-model-form'),
    modelInput: $('model-input'),
    messages: $('messages'),
    empty: $('empty-state'),
    suggestions: $('suggestions'),
    composer: $('composer'),
    prompt: $('prompt'),
    send: $('send'),
    stop: $('stop'),
    newChat: $('new-chat'),
    themeToggle: $('theme-toggle'),
    demoBanner: $('demo-banner'),
    demoBadge: $('demo-badge'),
    modelsError: $('models-error'),
    providers: $('providers'),
    activity: $('activity'),
    feedState: $('feed-state'),
  };

  const state = {
    status: null,
    /** Conversation sent with every request: {role, content}. */
    history: [],
    /** The running request's AbortController. */
    running: null,
    models: [],
    customModels: [],
    modelsKey: '',
    /** request.end records by requestId, and who waits for them. */
    telemetry: new Map(),
    waiters: new Map(),
  };

  // ---------------------------------------------------------------- helpers

  const escapeHtml = (text) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (name === 'class') node.className = value;
      else if (name === 'dataset') Object.assign(node.dataset, value);
      else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? '' : value);
    }
    for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) node.append(child);
    return node;
  }

  const providerName = (id) => {
    if (id === 'local' && state.status && state.status.demo) return 'Demo backend';
    return PROVIDER_NAMES[id] || id;
  };

  const formatMs = (ms) => (ms == null ? '–' : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`);
  const formatTime = (iso) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

  function providerChip(provider) {
    return el(
      'span',
      { class: `chip provider-${/^[a-z0-9_-]+$/.test(provider) ? provider : 'other'}`, dataset: { provider } },
      providerName(provider),
    );
  }

  /** A small, safe Markdown subset: fenced code, inline code, bold. The rest stays as typed. */
  function renderMarkdown(text) {
    return text
      .split('```')
      .map((part, index) => {
        if (index % 2 === 1) {
          const newline = part.indexOf('\n');
          const code = newline >= 0 && /^[\w+-]*$/.test(part.slice(0, newline).trim()) ? part.slice(newline + 1) : part;
          return `<pre><code>${escapeHtml(code.replace(/\n$/, ''))}</code></pre>`;
        }
        return escapeHtml(part)
          .replace(/`([^`\n]+)`/g, '<code>$1</code>')
          .replace(/\*\*([^*\n]+)\*\*/g, '<strong>$1</strong>');
      })
      .join('');
  }

  function nearBottom() {
    const m = els.messages;
    return m.scrollHeight - m.scrollTop - m.clientHeight < 80;
  }
  function scrollToBottom() {
    els.messages.scrollTop = els.messages.scrollHeight;
  }

  // ---------------------------------------------------------------- status and providers

  async function loadStatus() {
    try {
      const response = await fetch('/api/status');
      state.status = await response.json();
    } catch {
      state.status = { demo: false, providers: [] };
    }
    const demo = Boolean(state.status.demo);
    document.body.classList.toggle('is-demo', demo);
    els.demoBadge.hidden = !demo;
    els.demoBanner.hidden = !demo || sessionStorage.getItem('chat-app.demo-banner') === 'hidden';
    renderProviders();
    renderSuggestions();
  }

  function renderProviders() {
    const items = (state.status.providers || []).map((p) => {
      let detail;
      if (p.id === 'local') detail = state.status.demo ? 'built-in demo, canned replies' : state.status.local && state.status.local.configured;
      else if (p.detail) detail = p.detail;
      else detail = p.enabled ? 'key set' : `set ${p.keyVariable}`;
      return el(
        'li',
        { class: p.enabled ? 'on' : 'off', dataset: { provider: p.id } },
        el('span', { class: 'dot', 'aria-hidden': 'true' }),
        el('span', { class: 'name' }, providerName(p.id)),
        el('span', { class: 'detail', title: detail || '' }, detail || ''),
      );
    });
    els.providers.replaceChildren(...items);
  }

  function renderSuggestions() {
    const prompts =
      state.status && state.status.demo
        ? ['Hello!', 'How do I connect a real model?', 'Show me the code']
        : ['Explain server-sent events in two sentences.', 'Write a haiku about a router.', 'Which model are you?'];
    els.suggestions.replaceChildren(
      ...prompts.map((text) =>
        el(
          'button',
          {
            type: 'button',
            class: 'suggestion',
            onclick: () => {
              els.prompt.value = text;
              autosize();
              els.prompt.focus();
            },
          },
          text,
        ),
      ),
    );
  }

  // ---------------------------------------------------------------- models

  function modelLabel(model) {
    if (model.alias_of) return `${model.id} → ${model.alias_of}`;
    const prefix = `${model.provider}/`;
    return model.provider !== 'local' && model.id.startsWith(prefix) ? model.id.slice(prefix.length) : model.id;
  }

  async function loadModels() {
    let models;
    if (state.status) renderProviders(); // clears old model-list warnings; new ones arrive on the feed
    try {
      const response = await fetch('/v1/models', { headers: { accept: 'application/json' } });
      if (!response.ok) throw new Error((await readError(response)).message);
      const body = await response.json();
      models = Array.isArray(body.data) ? body.data : [];
      els.modelsError.hidden = true;
    } catch (error) {
      els.modelsError.textContent = `Could not load the model list: ${error.message}`;
      els.modelsError.hidden = false;
      return;
    }
    const key = JSON.stringify(models.map((m) => [m.provider, m.id]));
    if (key === state.modelsKey) return; // unchanged: leave an open picker alone
    state.modelsKey = key;
    state.models = models;
    renderModels(models);
  }

  function renderModels(models) {
    const select = els.modelSelect;
    const wanted = select.value || localStorage.getItem('chat-app.model') || '';
    const groups = new Map();
    for (const model of models) {
      if (!model || typeof model.id !== 'string') continue;
      const provider = model.provider || 'other';
      if (!groups.has(provider)) groups.set(provider, []);
      groups.get(provider).push(model);
    }
    const order = [...groups.keys()].sort((a, b) => {
      const ia = PROVIDER_ORDER.indexOf(a);
      const ib = PROVIDER_ORDER.indexOf(b);
      return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
    });
    const children = [];
    for (const provider of order) {
      const list = groups
        .get(provider)
        .slice()
        .sort((a, b) => modelLabel(a).localeCompare(modelLabel(b)));
      const group = el('optgroup', { label: `${providerName(provider)} (${list.length})`, dataset: { provider } });
      for (const model of list) {
        const option = new Option(modelLabel(model), model.id);
        option.dataset.provider = provider;
        option.title = typeof model.name === 'string' ? `${model.name} — ${model.id}` : model.id;
        group.append(option);
      }
      children.push(group);
    }
    if (state.customModels.length > 0) {
      const group = el('optgroup', { label: 'Typed by you', dataset: { provider: 'custom' } });
      for (const id of state.customModels) {
        const option = new Option(id, id);
        option.dataset.provider = 'custom';
        group.append(option);
      }
      children.push(group);
    }
    if (children.length === 0) children.push(new Option('No models available: see the startup log', ''));
    select.replaceChildren(...children);
    select.disabled = models.length === 0 && state.customModels.length === 0;
    const values = [...select.options].map((o) => o.value);
    if (wanted && values.includes(wanted)) select.value = wanted;
    else select.selectedIndex = 0;
  }

  function useCustomModel(id) {
    const model = id.trim();
    if (!model) return;
    if (![...els.modelSelect.options].some((o) => o.value === model)) {
      state.customModels.push(model);
      renderModels(state.models);
    }
    selectModel(model);
    els.modelInput.value = '';
  }

  function selectModel(model) {
    if ([...els.modelSelect.options].some((o) => o.value === model)) {
      els.modelSelect.value = model;
      localStorage.setItem('chat-app.model', model);
    }
  }

  // ---------------------------------------------------------------- telemetry feed

  function connectTelemetry() {
    const source = new EventSource('/api/telemetry/stream');
    source.addEventListener('open', () => els.feedState.classList.remove('down'));
    source.addEventListener('error', () => els.feedState.classList.add('down'));
    source.addEventListener('request.end', (message) => {
      const record = JSON.parse(message.data);
      if (state.telemetry.has(record.requestId)) return;
      state.telemetry.set(record.requestId, record);
      const waiter = state.waiters.get(record.requestId);
      if (waiter) waiter(record);
      addActivity(record);
    });
    source.addEventListener('models.error', (message) => {
      const event = JSON.parse(message.data);
      const item = els.providers.querySelector(`li[data-provider="${CSS.escape(event.provider)}"]`);
      if (item) {
        item.classList.add('warn');
        const detail = item.querySelector('.detail');
        detail.textContent = `model list failed: ${event.error}`;
        detail.title = detail.textContent;
      }
    });
  }

  /** The request.end record of `requestId`: from the feed, else from /api/telemetry/recent. */
  function telemetryFor(requestId) {
    if (!requestId) return Promise.resolve(null);
    if (state.telemetry.has(requestId)) return Promise.resolve(state.telemetry.get(requestId));
    return new Promise((resolve) => {
      const done = (record) => {
        clearTimeout(timer);
        state.waiters.delete(requestId);
        resolve(record);
      };
      state.waiters.set(requestId, done);
      const timer = setTimeout(async () => {
        try {
          const response = await fetch(`/api/telemetry/recent?requestId=${encodeURIComponent(requestId)}`);
          const body = await response.json();
          done((body.data && body.data[0]) || state.telemetry.get(requestId) || null);
        } catch {
          done(null);
        }
      }, TELEMETRY_WAIT_MS);
    });
  }

  function outcomeLabel(record) {
    if (record.outcome === 'ok') return String(record.status);
    if (record.outcome === 'aborted') return 'stopped';
    return record.status < 400 ? 'failed' : `error ${record.status}`;
  }

  function addActivity(record) {
    const placeholder = els.activity.querySelector('.muted');
    if (placeholder) placeholder.remove();
    const tokens = record.usage ? `${record.usage.totalTokens} tok` : '';
    const outcomeClass = record.outcome === 'ok' ? 'ok' : record.outcome === 'aborted' ? 'aborted' : 'error';
    const item = el(
      'li',
      {
        dataset: { requestId: record.requestId, provider: record.provider },
        title: [`request ${record.requestId}`, record.error && `${record.error.type}: ${record.error.message}`].filter(Boolean).join('\n'),
      },
      el('div', { class: 'row' }, providerChip(record.provider), el('span', { class: 'model' }, record.upstreamModel || record.model)),
      el(
        'div',
        { class: 'row small' },
        el('span', { class: `status ${outcomeClass}` }, outcomeLabel(record)),
        el('span', {}, formatMs(record.durationMs)),
        tokens && el('span', {}, tokens),
        el('span', { class: 'time' }, formatTime(record.timestamp)),
      ),
    );
    els.activity.prepend(item);
    while (els.activity.children.length > ACTIVITY_LIMIT) els.activity.lastElementChild.remove();
  }

  // ---------------------------------------------------------------- messages

  function hideEmptyState() {
    els.empty.hidden = true;
  }

  function addUserMessage(text) {
    hideEmptyState();
    const node = el('article', { class: 'msg user' }, el('div', { class: 'bubble' }, text));
    els.messages.append(node);
    scrollToBottom();
    return node;
  }

  /** The view of one answer; its `data-state` is streaming, done, stopped or error. */
  function addAssistantMessage(model) {
    const answer = el('div', { class: 'answer' });
    const thinkingText = el('div', { class: 'thinking-text' });
    const thinking = el('details', { class: 'thinking', hidden: true }, el('summary', {}, 'Thinking'), thinkingText);
    const error = el('div', { class: 'problem', role: 'alert', hidden: true });
    const meta = el('div', { class: 'meta' }, el('span', { class: 'pending' }, 'waiting for the first token…'));
    const node = el(
      'article',
      { class: 'msg assistant', dataset: { state: 'streaming' } },
      el('div', { class: 'who' }, el('span', { class: 'model-name' }, model)),
      thinking,
      answer,
      error,
      meta,
    );
    els.messages.append(node);
    scrollToBottom();

    let text = '';
    let frame = 0;
    const paint = () => {
      frame = 0;
      const stick = nearBottom();
      answer.innerHTML = renderMarkdown(text);
      if (stick) scrollToBottom();
    };
    return {
      node,
      setText(value) {
        text = value;
        node.classList.add('has-text');
        if (!frame) frame = requestAnimationFrame(paint);
      },
      setThinking(value) {
        thinking.hidden = false;
        thinkingText.textContent = value;
      },
      flush() {
        if (frame) cancelAnimationFrame(frame);
        paint();
      },
      setState(value) {
        node.dataset.state = value;
      },
      showError(title, message, detail, onRetry, kind = 'error') {
        error.className = kind === 'notice' ? 'notice' : 'problem';
        error.replaceChildren(
          el('div', { class: 'error-title' }, title),
          el('div', { class: 'error-message' }, message),
          detail ? el('div', { class: 'error-detail' }, detail) : null,
          onRetry ? el('button', { type: 'button', class: 'ghost small', onclick: onRetry }, 'Retry') : null,
        );
        error.hidden = false;
        if (nearBottom()) scrollToBottom();
      },
      setMeta(...children) {
        meta.replaceChildren(...children.filter(Boolean));
      },
    };
  }

  function metaLine(view, record, local) {
    const parts = [];
    const sep = () => el('span', { class: 'sep', 'aria-hidden': 'true' }, '·');
    const provider = (record && record.provider) || local.provider;
    if (provider) parts.push(providerChip(provider));
    parts.push(el('span', { class: 'm-model', title: record ? `asked for ${record.model}` : '' }, (record && record.upstreamModel) || local.model));
    if (local.firstTokenMs != null)
      parts.push(sep(), el('span', { title: 'time to first token, measured in the page' }, `first token ${formatMs(local.firstTokenMs)}`));
    if (record) {
      parts.push(sep(), el('span', { title: `upstream headers after ${formatMs(record.ttfbMs)}` }, `${formatMs(record.durationMs)} total`));
      const usage = record.usage || toUsage(local.usage);
      if (usage)
        parts.push(
          sep(),
          el(
            'span',
            { title: `${usage.promptTokens} prompt + ${usage.completionTokens} completion tokens` },
            `${usage.promptTokens} in / ${usage.completionTokens} out tokens`,
          ),
        );
      if (usage && usage.reasoningTokens)
        parts.push(
          sep(),
          el('span', { class: 'm-reasoning', title: 'of the out tokens, those spent thinking' }, `${usage.reasoningTokens} thinking`),
        );
      if (typeof record.costUsd === 'number') parts.push(sep(), el('span', {}, `$${record.costUsd.toFixed(5)}`));
      if (record.outcome === 'aborted') parts.push(sep(), el('span', { class: 'status aborted' }, 'stopped'));
      else if (record.outcome === 'error')
        parts.push(sep(), el('span', { class: 'status error' }, record.status < 400 ? 'failed mid-stream' : `error ${record.status}`));
      else if (record.finishReason && record.finishReason !== 'stop' && record.finishReason !== 'end_turn')
        parts.push(sep(), el('span', { class: 'status' }, `finish: ${record.finishReason}`));
    } else {
      parts.push(sep(), el('span', {}, `${formatMs(local.durationMs)} total`));
      if (local.stopped) parts.push(sep(), el('span', { class: 'status aborted' }, 'stopped'));
    }
    view.node.dataset.provider = provider || '';
    view.setMeta(...parts);
  }

  const toUsage = (usage) =>
    usage && typeof usage.prompt_tokens === 'number'
      ? {
          promptTokens: usage.prompt_tokens,
          completionTokens: usage.completion_tokens,
          totalTokens: usage.total_tokens,
          reasoningTokens: usage.completion_tokens_details ? usage.completion_tokens_details.reasoning_tokens : undefined,
        }
      : null;

  // ---------------------------------------------------------------- streaming

  /** Yields the `data:` payload of each SSE frame of a fetch body, as it arrives. */
  async function* sseData(body) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let finished = false;
    const frames = function* (final) {
      const boundary = /\r\n\r\n|\n\n|\r\r/g;
      let start = 0;
      let match;
      while ((match = boundary.exec(buffer))) {
        yield buffer.slice(start, match.index);
        start = match.index + match[0].length;
      }
      buffer = buffer.slice(start);
      if (final && buffer.trim()) {
        yield buffer;
        buffer = '';
      }
    };
    const dataOf = (frame) =>
      frame
        .split(/\r\n|\n|\r/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''))
        .join('\n');
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        for (const frame of frames(false)) {
          const data = dataOf(frame);
          if (data) yield data;
        }
      }
      finished = true;
      buffer += decoder.decode();
      for (const frame of frames(true)) {
        const data = dataOf(frame);
        if (data) yield data;
      }
    } finally {
      if (!finished) reader.cancel().catch(() => {});
    }
  }

  /** The router's JSON error body as {title, message, detail}. */
  async function readError(response) {
    const text = await response.text().catch(() => '');
    let error;
    try {
      const body = JSON.parse(text);
      error = body.error && typeof body.error === 'object' ? body.error : body;
    } catch {
      error = { message: text.slice(0, 300) || response.statusText };
    }
    return describeError(error, response.status, response.headers.get('x-provider'));
  }

  function describeError(error, status, provider) {
    const code = error.code != null ? String(error.code) : '';
    let title = ERROR_TITLES[code];
    if (!title) {
      if (status === 401 || status === 403) title = 'The provider refused the key';
      else if (status === 429) title = 'Rate limited by the provider';
      else if (status >= 500) title = `The provider failed (${status})`;
      else if (status) title = `Request refused (${status})`;
      else title = 'The answer broke off';
    }
    const where = provider ? `${providerName(provider)}` : '';
    const detail = [where && `provider: ${where}`, code && `code: ${code}`, error.type && `type: ${error.type}`].filter(Boolean).join(' · ');
    return { title, message: error.message || 'Unknown error', detail };
  }

  class StreamError extends Error {
    constructor(info) {
      super(info.message);
      this.info = info;
    }
  }

  async function send(text) {
    const model = els.modelSelect.value;
    if (!model) {
      els.modelsError.textContent = 'Pick a model first (or type a model id).';
      els.modelsError.hidden = false;
      return;
    }
    const userTurn = { role: 'user', content: text };
    state.history.push(userTurn);
    addUserMessage(text);
    const view = addAssistantMessage(model);
    const controller = new AbortController();
    setRunning(controller);

    const started = performance.now();
    const local = { model, provider: null, firstTokenMs: null, durationMs: null, usage: null, stopped: false };
    let requestId = null;
    let answer = '';
    let reasoning = '';
    const onFirstToken = () => {
      if (local.firstTokenMs == null) {
        local.firstTokenMs = performance.now() - started;
        view.setMeta(el('span', { class: 'pending' }, 'streaming…'));
      }
    };

    try {
      const response = await fetch('/v1/chat/completions', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({
          model,
          messages: state.history.filter((turn) => !turn.failed).map(({ role, content }) => ({ role, content })),
          stream: true,
          stream_options: { include_usage: true },
        }),
        signal: controller.signal,
      });
      requestId = response.headers.get('x-request-id');
      local.provider = response.headers.get('x-provider');
      if (requestId) view.node.dataset.requestId = requestId;
      if (!response.ok) throw new StreamError(await readError(response));

      if (!/text\/event-stream/.test(response.headers.get('content-type') || '')) {
        const body = await response.json();
        answer = (body.choices && body.choices[0] && body.choices[0].message && body.choices[0].message.content) || '';
        local.usage = body.usage || null;
        onFirstToken();
        view.setText(answer);
      } else {
        let sawDone = false;
        for await (const data of sseData(response.body)) {
          if (data === '[DONE]') {
            sawDone = true;
            break;
          }
          let chunk;
          try {
            chunk = JSON.parse(data);
          } catch {
            continue;
          }
          if (chunk.error) throw new StreamError(describeError(chunk.error, 0, local.provider));
          if (chunk.usage) local.usage = chunk.usage;
          const choice = chunk.choices && chunk.choices[0];
          const delta = (choice && choice.delta) || {};
          const thought = delta.reasoning_content || delta.reasoning;
          if (typeof thought === 'string' && thought) {
            reasoning += thought;
            onFirstToken();
            view.setThinking(reasoning);
          }
          if (typeof delta.content === 'string' && delta.content) {
            answer += delta.content;
            onFirstToken();
            view.setText(answer);
          }
        }
        if (!sawDone) throw new StreamError({ title: 'The answer broke off', message: 'The stream ended before it was complete.', detail: '' });
      }
      view.flush();
      view.setState('done');
      state.history.push({ role: 'assistant', content: answer });
    } catch (error) {
      view.flush();
      if (controller.signal.aborted) {
        local.stopped = true;
        view.setState('stopped');
        if (answer) state.history.push({ role: 'assistant', content: answer });
        else userTurn.failed = true;
        view.showError(
          'Stopped',
          answer ? 'You stopped this answer; what arrived so far is kept.' : 'You stopped this answer before it began.',
          '',
          null,
          'notice',
        );
      } else {
        view.setState('error');
        userTurn.failed = true;
        const info = error instanceof StreamError ? error.info : { title: 'Could not reach the server', message: error.message, detail: '' };
        view.showError(info.title, info.message, info.detail, () => send(text));
      }
    } finally {
      local.durationMs = performance.now() - started;
      setRunning(null);
      const record = await telemetryFor(requestId);
      if (record || local.provider || view.node.dataset.state !== 'error') metaLine(view, record, local);
      else view.setMeta();
    }
  }

  function setRunning(controller) {
    state.running = controller;
    els.send.hidden = Boolean(controller);
    els.stop.hidden = !controller;
    els.composer.classList.toggle('running', Boolean(controller));
    if (!controller) els.prompt.focus();
  }

  function stop() {
    if (state.running) state.running.abort();
  }

  // ---------------------------------------------------------------- composer and controls

  function autosize() {
    els.prompt.style.height = 'auto';
    els.prompt.style.height = `${Math.min(els.prompt.scrollHeight, 200)}px`;
  }

  els.composer.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = els.prompt.value.trim();
    if (!text || state.running) return;
    els.prompt.value = '';
    autosize();
    send(text);
  });
  els.prompt.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      els.composer.requestSubmit();
    }
  });
  els.prompt.addEventListener('input', autosize);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') stop();
  });
  els.stop.addEventListener('click', stop);
  els.modelSelect.addEventListener('change', () => localStorage.setItem('chat-app.model', els.modelSelect.value));
  els.modelForm.addEventListener('submit', (event) => {
    event.preventDefault();
    useCustomModel(els.modelInput.value);
  });
  els.newChat.addEventListener('click', () => {
    stop();
    state.history = [];
    for (const node of [...els.messages.querySelectorAll('.msg')]) node.remove();
    els.empty.hidden = false;
    els.prompt.focus();
  });
  els.themeToggle.addEventListener('click', () => {
    const root = document.documentElement;
    const current = root.dataset.theme || (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
    root.dataset.theme = current === 'dark' ? 'light' : 'dark';
    localStorage.setItem('chat-app.theme', root.dataset.theme);
  });
  $('demo-banner-close').addEventListener('click', () => {
    els.demoBanner.hidden = true;
    sessionStorage.setItem('chat-app.demo-banner', 'hidden');
  });

  // ---------------------------------------------------------------- start

  (async () => {
    connectTelemetry();
    await loadStatus();
    await loadModels();
    setInterval(loadModels, MODELS_REFRESH_MS);
    window.addEventListener('focus', loadModels);
    try {
      const response = await fetch('/api/telemetry/recent?limit=20');
      const body = await response.json();
      for (const record of body.data || []) {
        if (state.telemetry.has(record.requestId)) continue;
        state.telemetry.set(record.requestId, record);
        addActivity(record);
      }
    } catch {
      // The recent activity is a nicety: the page works without it.
    }
    document.body.dataset.ready = 'true';
    els.prompt.focus();
  })();
})();
