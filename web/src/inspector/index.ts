import { AtendeInspector } from './atende-inspector.js';

if (!customElements.get('atende-inspector')) customElements.define('atende-inspector', AtendeInspector);

export { AtendeInspector };
