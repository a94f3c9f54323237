/**
 * Whether `code` is a control character no person types: NUL (which PostgreSQL refuses in text), the other C0
 * controls and DEL; tab, line feed and carriage return only when `breaks` is false.
 */
function isControl(code: number, breaks: boolean): boolean {
  if (code === 0x7f) return true;
  if (code >= 0x20) return false;
  return breaks || (code !== 0x09 && code !== 0x0a && code !== 0x0d);
}

function hasControl(text: string, breaks: boolean): boolean {
  for (let i = 0; i < text.length; i++) if (isControl(text.charCodeAt(i), breaks)) return true;
  return false;
}

/** Whether `text` carries a control character no shopper types (line breaks and tabs allowed). */
export function hasControlCharacters(text: string): boolean {
  return hasControl(text, false);
}

/** Whether a one-line field carries any control character, line breaks included. */
export function hasLineControlCharacters(text: string): boolean {
  return hasControl(text, true);
}
