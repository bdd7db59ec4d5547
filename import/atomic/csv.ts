/**
 * A small RFC 4180 reader: comma-separated fields, `"` quotes a field (which may then hold commas,
 * quotes doubled as `""`, and line breaks), records end at CRLF or LF. Each record keeps the line
 * it starts on, so errors can name it. A text quote that is not RFC 4180 (a quote inside an
 * unquoted field, text after a closing quote, an unclosed quote) is an error, never guessed at.
 */

export interface CsvRecord {
  /** 1-based line of the file where the record starts. */
  line: number;
  fields: string[];
}

export class CsvSyntaxError extends Error {
  override name = 'CsvSyntaxError';
  constructor(
    readonly line: number,
    /** 1-based field number in the record. */
    readonly field: number,
    readonly reason: string,
  ) {
    super(`line ${line}, field ${field}: ${reason}`);
  }
}

export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  // A byte-order mark is no part of the first header name.
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let value = '';
      if (text[i] === '"') {
        const quoteLine = line;
        i++;
        for (;;) {
          if (i >= n)
            throw new CsvSyntaxError(quoteLine, fields.length + 1, 'a quoted field is never closed');
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          value += c;
          i++;
        }
        const next = text[i];
        if (i < n && next !== ',' && next !== '\n' && next !== '\r')
          throw new CsvSyntaxError(line, fields.length + 1, 'text after a closing quote');
      } else {
        const from = i;
        while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          if (text[i] === '"')
            throw new CsvSyntaxError(line, fields.length + 1, 'a quote inside an unquoted field');
          i++;
        }
        value = text.slice(from, i);
      }
      fields.push(value);
      if (text[i] === ',') {
        i++;
        continue;
      }
      // End of record: CRLF, LF, a lone CR, or the end of the text.
      if (text[i] === '\r') i++;
      if (text[i] === '\n') i++;
      line++;
      break;
    }
    // A blank line (one empty field) is no record.
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: start, fields });
  }
  return records;
}
