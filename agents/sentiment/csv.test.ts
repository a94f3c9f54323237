import { describe, expect, it } from 'vitest';
import { CsvError, csvField, parseCsv, parseCsvRecords } from './csv.js';

describe('parseCsv', () => {
  it('parses plain fields and both line endings', () => {
    expect(parseCsv('a,b\r\n1,2\n3,4\n')).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
    ]);
  });

  it('keeps commas, doubled quotes and line breaks inside quoted fields', () => {
    expect(parseCsv('id,text\n1,"a, b"\n2,"he said ""hi"""\n3,"line one\r\nline two"\n')).toEqual([
      ['id', 'text'],
      ['1', 'a, b'],
      ['2', 'he said "hi"'],
      ['3', 'line one\r\nline two'],
    ]);
  });

  it('keeps empty fields, an empty quoted field and a last row without newline', () => {
    expect(parseCsv('a,,""\n,x,')).toEqual([
      ['a', '', ''],
      ['', 'x', ''],
    ]);
  });

  it('drops a BOM', () => {
    expect(parseCsv('\uFEFFid,label\n1,x')[0]).toEqual(['id', 'label']);
  });

  it('refuses an unterminated quote and a stray quote, naming the line', () => {
    expect(() => parseCsv('a\n"open,\n')).toThrow(CsvError);
    expect(() => parseCsv('a\n"open,\n')).toThrow(/line 2/);
    expect(() => parseCsv('a,b"c\n')).toThrow(/unexpected quote/);
    expect(() => parseCsv('"a"b\n')).toThrow(/after the closing quote/);
  });

  it('names the line where a quote was left open, not the last line', () => {
    const text = 'id,text\r\n1,"fine ""quoted""\r\ntwo lines"\n2,"never\nclosed\nat all\n';
    expect(() => parseCsv(text)).toThrow(/^unterminated quoted field \(line 4\)$/);
    expect(() => parseCsv('id\n1\n2\n3,x"\n')).toThrow(
      /unexpected quote inside an unquoted field \(line 4\)/,
    );
  });

  it('reads a lone CR as a line end, and an empty line in between as one empty field', () => {
    expect(parseCsv('a\rb\r\n\nc')).toEqual([['a'], ['b'], [''], ['c']]);
  });

  it('round-trips fields written with csvField', () => {
    const values = ['plain', 'with, comma', 'with "quote"', 'multi\nline', ''];
    expect(parseCsv(`${values.map(csvField).join(',')}\n`)).toEqual([values]);
  });
});

describe('parseCsvRecords', () => {
  it('maps rows to the header, ignoring extra columns and filling missing ones', () => {
    const { columns, records } = parseCsvRecords(
      'id,label,source,text\n1,positive,x,"ótimo, amei"\n2,negative\n\n',
    );
    expect(columns).toEqual(['id', 'label', 'source', 'text']);
    expect(records).toEqual([
      { id: '1', label: 'positive', source: 'x', text: 'ótimo, amei' },
      { id: '2', label: 'negative', source: '', text: '' },
    ]);
  });
});
