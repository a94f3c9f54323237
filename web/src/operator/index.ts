import { AtendeOperator } from './atende-operator.js';

if (!customElements.get('atende-operator')) customElements.define('atende-operator', AtendeOperator);

export { AtendeOperator };
