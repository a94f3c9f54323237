/**
 * Control characters a person does not type: NUL (which PostgreSQL refuses in text), the other C0 controls but tab,
 * line feed and carriage return, and DEL.
 */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
/** The same, line breaks and tabs included: for one-line fields such as a name. */
const CONTROL_OR_BREAK = /[\u0000-\u001F\u007F]/;

/** Whether `text` carries a control character no shopper types (line breaks and tabs allowed). */
export function hasControlCharacters(text: string): boolean {
  return CONTROL.test(text);
}

/** Whether a one-line field carries any control character, line breaks included. */
export function hasLineControlCharacters(text: string): boolean {
  return CONTROL_OR_BREAK.test(text);
}
