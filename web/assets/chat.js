// The chat page: a guest session, then each message's reply streamed from POST /api/chat/messages (SSE over fetch).
const log = document.getElementById('log');
const form = document.getElementById('composer');
const input = document.getElementById('text');
const localeSelect = document.getElementById('locale');
const status = document.getElementById('status');
const button = form.querySelector('button');

let token = sessionStorage.getItem('atende.token');
let conversationId = sessionStorage.getItem('atende.conversation');

async function guestToken() {
  if (token) return token;
  const response = await fetch('/api/auth/guest', { method: 'POST' });
  if (!response.ok) throw new Error(`guest session failed (${response.status})`);
  token = (await response.json()).accessToken;
  sessionStorage.setItem('atende.token', token);
  return token;
}

function bubble(author, text) {
  const item = document.createElement('li');
  item.className = `msg ${author}`;
  const body = document.createElement('span');
  body.className = 'text';
  body.textContent = text;
  item.append(body);
  log.append(item);
  log.scrollTop = log.scrollHeight;
  return item;
}

// Parses an SSE byte stream into { event, data } objects.
async function* sseEvents(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n/g, '\n');
    let cut = buffer.indexOf('\n\n');
    while (cut !== -1) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let event = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      if (data.length) yield { event, data: JSON.parse(data.join('\n')) };
      cut = buffer.indexOf('\n\n');
    }
  }
}

async function send(text) {
  bubble('shopper', text);
  const reply = bubble('agent', '');
  const body = reply.querySelector('.text');
  body.textContent = '…';
  body.classList.add('typing');
  button.disabled = true;
  status.textContent = '';
  const started = performance.now();
  try {
    const response = await fetch('/api/chat/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await guestToken()}` },
      body: JSON.stringify({
        text,
        locale: localeSelect.value,
        ...(conversationId ? { conversationId } : {}),
      }),
    });
    if (response.status === 401 || response.status === 404) {
      sessionStorage.clear();
      token = null;
      conversationId = null;
    }
    if (!response.ok) {
      const error = await response.json().catch(() => ({ message: response.statusText }));
      throw new Error(error.message);
    }
    let first = true;
    for await (const { event, data } of sseEvents(response)) {
      if (event === 'conversation') {
        conversationId = data.conversationId;
        sessionStorage.setItem('atende.conversation', conversationId);
      } else if (event === 'delta') {
        if (first) {
          body.textContent = '';
          body.classList.remove('typing');
          first = false;
        }
        body.textContent += data.text;
      } else if (event === 'annotation' && data.kind === 'citations' && data.data.length) {
        const cites = document.createElement('small');
        cites.className = 'cites';
        cites.textContent = `Fontes: ${data.data.map((c) => c.title || c.id).join(' · ')}`;
        reply.append(cites);
      } else if (event === 'done') {
        status.textContent = `primeira resposta em ${data.firstTokenMs ?? Math.round(performance.now() - started)} ms`;
      } else if (event === 'error') {
        reply.classList.add('error');
        status.textContent = data.message;
      }
    }
  } catch (error) {
    body.classList.remove('typing');
    body.textContent = `Não foi possível enviar: ${error.message}`;
    reply.classList.add('error');
  } finally {
    button.disabled = false;
    input.focus();
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  input.value = '';
  void send(text);
});
