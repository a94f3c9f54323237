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

/**
 * Parses an RFC 4180 document into rows of fields: quoted fields may hold commas, doubled quotes and line
 * breaks; CRLF and LF both end records; a leading BOM and a final empty line are ignored.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let wasQuoted = false;
  let line = 1;
  let quoteLine = 1;
  const input = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const endField = () => {
    row.push(field);
    field = '';
    wasQuoted = false;
  };
  const endRow = () => {
    endField();
    rows.push(row);
    row = [];
  };
  for (let i = 0; i < input.length; i++) {
    const c = input[i] as string;
    if (quoted) {
      if (c === '"') {
        if (input[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          quoted = false;
        }
      } else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === '"') {
      if (field !== '' || wasQuoted) throw new CsvError('unexpected quote inside an unquoted field', line);
      quoted = true;
      wasQuoted = true;
      quoteLine = line;
    } else if (c === ',') {
      endField();
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && input[i + 1] === '\n') i++;
      endRow();
      line++;
    } else {
      if (wasQuoted) throw new CsvError('text after the closing quote of a field', line);
      field += c;
    }
  }
  if (quoted) throw new CsvError('unterminated quoted field', quoteLine);
  if (field !== '' || wasQuoted || row.length > 0) endRow();
  return rows;
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
