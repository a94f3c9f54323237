import { AtendeChat } from './atende-chat.js';

// One <script type="module"> defines <atende-chat>; loading it twice is harmless.
if (!customElements.get('atende-chat')) customElements.define('atende-chat', AtendeChat);

export { AtendeChat };
