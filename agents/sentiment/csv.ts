import { CsvError as ParseError, parse } from 'csv-parse/sync';

/** Error of a malformed CSV document (an unterminated quoted field, a stray quote), with its 1-based line. */
export class CsvError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`${message} (line ${line})`);
    this.name = 'CsvError';
  }
}

/** What csv-parse's error codes mean, in the words of this module's errors. */
const MESSAGES: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'unterminated quoted field',
  INVALID_OPENING_QUOTE: 'unexpected quote inside an unquoted field',
  CSV_INVALID_CLOSING_QUOTE: 'text after the closing quote of a field',
};

/**
 * Parses an RFC 4180 document into rows of fields: quoted fields may hold commas, doubled quotes and line
 * breaks; CRLF, LF and CR all end records; a leading BOM and a final empty line are ignored; an empty line in
 * between is a row of one empty field. Throws a `CsvError` on malformed quoting.
 */
export function parseCsv(text: string): string[][] {
  try {
    return parse(text, { bom: true, relax_column_count: true, record_delimiter: ['\r\n', '\n', '\r'] });
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    const message = MESSAGES[error.code] ?? error.message;
    const line = error.code === 'CSV_QUOTE_NOT_CLOSED' ? openingQuoteLine(text) : Number(error.lines);
    throw new CsvError(message, line);
  }
}

/**
 * The line of the quote that opened the field still open at the end. csv-parse names the last line instead; the
 * document's quoting is sound up to there (or it would have failed earlier), so the quotes' parity finds it.
 */
function openingQuoteLine(text: string): number {
  let line = 1;
  let open = false;
  let openedOn = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      if (open && text[i + 1] === '"')
        i++; // a doubled quote inside the field
      else {
        open = !open;
        if (open) openedOn = line;
      }
    } else if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) {
      line++;
    }
  }
  return openedOn;
}

/** Parses a CSV with a header row into records keyed by column name; missing trailing fields become ''. */
export function parseCsvRecords(text: string): { columns: string[]; records: Array<Record<string, string>> } {
  const [header, ...rows] = parseCsv(text);
  const columns = (header ?? []).map((c) => c.trim());
  const records = rows
    .filter((r) => !(r.length === 1 && r[0] === ''))
    .map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i] ?? ''])));
  return { columns, records };
}

/** Quotes one field for CSV output when it holds a comma, quote or line break. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
