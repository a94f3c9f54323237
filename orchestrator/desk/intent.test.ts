import { describe, expect, it } from 'vitest';
import { asksForPerson } from './intent.js';

describe('asksForPerson', () => {
  it.each([
    'quero falar com um atendente',
    'Quero falar com uma pessoa.',
    'tem alguém aí?',
    'tem alguem ai',
    'TEM ALGUÉM AÍ???',
    'preciso de um atendente humano',
    'me transfere para um atendente',
    'quero atendimento humano',
    'atendente por favor',
    'não quero falar com robô',
    'posso conversar com uma pessoa de verdade?',
    'chama um humano',
    'I want to talk to a human',
    'can I speak with a person?',
    'Is anyone there?',
    'connect me to an agent please',
    'real person please',
    'human please',
  ])('hears a request for a person in %j', (text) => {
    expect(asksForPerson(text)).toBe(true);
  });

  it.each([
    'qual o prazo de entrega?',
    'quero falar sobre a entrega do meu pedido',
    'o atendimento de vocês funciona no domingo?',
    'where is my order?',
    'what are your opening hours?',
    'a pessoa que recebeu o pedido não era eu',
    'how do I change my password?',
    'obrigado!',
  ])('does not hear one in %j', (text) => {
    expect(asksForPerson(text)).toBe(false);
  });
});
