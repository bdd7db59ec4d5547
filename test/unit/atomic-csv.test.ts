import { describe, expect, it } from 'vitest';
import { CsvSyntaxError, parseCsv } from '../../import/atomic/csv.ts';
import { AtomicInputError, parseIndex, platformOfFile, testsOf } from '../../import/atomic/parse.ts';
import { atomicPlatformKeys } from '../../src/atomic.ts';

const HEADER = 'Tactic,Technique #,Technique Name,Test #,Test Name,Test GUID,Executor Name';
const GUID_A = '93ca40d2-336c-446d-bcef-87f14d438018';
const GUID_B = '57ba4ce9-ee7a-4f27-9928-3c70c489b59d';

describe('parseCsv (RFC 4180)', () => {
  it('reads plain fields, CRLF and LF records, and skips blank lines', () => {
    expect(parseCsv('a,b\r\nc,d\n\ne,\n')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['c', 'd'] },
      { line: 4, fields: ['e', ''] },
    ]);
  });

  it('reads quoted fields holding commas, doubled quotes and line breaks, and keeps each record its first line', () => {
    const text = 'x,"one, two","say ""hi"""\n"multi\nline",y,""\nlast,row,"\r\n"\n';
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ['x', 'one, two', 'say "hi"'] },
      { line: 2, fields: ['multi\nline', 'y', ''] },
      { line: 4, fields: ['last', 'row', '\r\n'] },
    ]);
  });

  it('reads a last record without a line break, and drops a byte-order mark', () => {
    expect(parseCsv('\ufeffa,b\nc,d')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['c', 'd'] },
    ]);
  });

  it.each([
    ['a,"open\nnever closed', 1, 2, 'never closed'],
    ['a,b\nc,"x"y', 2, 2, 'after a closing quote'],
    ['a,b\nc,d"e', 2, 2, 'inside an unquoted field'],
  ])('refuses %j at its line and field', (text, line, field, reason) => {
    try {
      parseCsv(text);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(CsvSyntaxError);
      expect(err).toMatchObject({ line, field });
      expect((err as Error).message).toContain(reason);
    }
  });
});

describe('parseIndex', () => {
  it('reads a row with a quoted test name holding commas and quotes', () => {
    const [row] = parseIndex(
      'x.csv',
      `${HEADER}\nstealth,T1564,Hide Artifacts,2,"Create a ""$"" user, hidden",${GUID_A},command_prompt\n`,
    );
    expect(row).toMatchObject({
      line: 2,
      tactic: 'stealth',
      techniqueId: 'T1564',
      testNumber: 2,
      name: 'Create a "$" user, hidden',
      guid: GUID_A,
      executor: 'command_prompt',
      platforms: [],
    });
  });

  it('finds columns by name in any order, and reads a platform column when there is one', () => {
    const header = 'Test GUID,Executor Name,Tactic,Technique #,Technique Name,Test #,Test Name,Platforms';
    const [row] = parseIndex(
      'x.csv',
      `${header}\n${GUID_A},sh,discovery,T1082,System Info,3,Uname,"Linux, macOS"\n`,
    );
    expect(row).toMatchObject({ guid: GUID_A, testNumber: 3, platforms: ['linux', 'macos'] });
  });

  const refused = (text: string) => {
    try {
      parseIndex('dir/bad.csv', text);
    } catch (err) {
      if (err instanceof AtomicInputError) return err;
      throw err;
    }
    throw new Error('not refused');
  };

  it('names the file, the header line and the missing column', () => {
    const err = refused('Tactic,Technique,Technique Name,Test #,Test Name,Test GUID,Executor Name\n');
    expect(err).toMatchObject({ file: 'dir/bad.csv', line: 1, column: 'Technique #' });
    expect(err.message).toMatch(/^dir\/bad\.csv, line 1, column "Technique #": missing column/);
  });

  it.each([
    [`stealth,T1564,Hide,1,Name,not-a-guid,sh`, 'Test GUID', /not a GUID/],
    [`stealth,1564,Hide,1,Name,${GUID_A},sh`, 'Technique #', /not an ATT&CK technique ID/],
    [`stealth,T1564,Hide,one,Name,${GUID_A},sh`, 'Test #', /not a test number/],
    [`Defense Evasion,T1564,Hide,1,Name,${GUID_A},sh`, 'Tactic', /not a tactic shortname/],
  ])('names the line and column of a bad value: %s', (row, column, reason) => {
    const err = refused(`${HEADER}\nstealth,T1564,Hide,1,Fine,${GUID_B},sh\n${row}\n`);
    expect(err).toMatchObject({ line: 3, column });
    expect(err.message).toMatch(reason);
  });

  it('names the line of a row with the wrong number of fields', () => {
    const err = refused(`${HEADER}\nstealth,T1564,Hide,1,Name,with,comma,${GUID_A},sh\n`);
    expect(err).toMatchObject({ line: 2, column: null });
    expect(err.message).toContain('9 fields, expected 7');
  });

  it('names the line a CSV syntax error is on', () => {
    const err = refused(`${HEADER}\nstealth,T1564,Hide,1,"Name,${GUID_A},sh\n`);
    expect(err).toMatchObject({ line: 2, column: 'field 5' });
  });
});

describe('testsOf', () => {
  const rows = [
    ...parseIndex(
      'index.csv',
      `${HEADER}\nprivilege-escalation,T1078.004,Valid Accounts,1,GCP key,${GUID_A},sh\ninitial-access,T1078.004,Valid Accounts,1,GCP key,${GUID_A},sh\nstealth,T1003,Dump,2,Other,${GUID_B},powershell\n`,
    ),
    ...parseIndex(
      'google-workspace-index.csv',
      `${HEADER}\ninitial-access,T1078.004,Valid Accounts,1,GCP key,${GUID_A},sh\n`,
    ),
    ...parseIndex(
      'iaas-index.csv',
      `${HEADER}\ninitial-access,T1078.004,Valid Accounts,1,GCP key,${GUID_A},sh\n`,
    ),
  ];

  it('makes one test per GUID with every tactic and the platforms of the files that list it', () => {
    const tests = testsOf(rows, (f) => platformOfFile(f));
    expect(tests.map((t) => [t.guid, t.techniqueId, t.tactics, t.platforms])).toEqual([
      [GUID_B, 'T1003', ['stealth'], []],
      [GUID_A, 'T1078.004', ['privilege-escalation', 'initial-access'], ['google-workspace', 'iaas']],
    ]);
  });

  it('refuses a GUID whose rows disagree, at the later row', () => {
    const clash = parseIndex(
      'linux-index.csv',
      `${HEADER}\ninitial-access,T1078.004,Valid Accounts,1,GCP key,${GUID_A},bash\n`,
    );
    expect(() => testsOf([...rows, ...clash], platformOfFile)).toThrow(
      /linux-index\.csv, line 2, column "Executor Name": .*"bash" here but "sh" in index\.csv line 2/,
    );
  });
});

describe('platforms', () => {
  it('names a file platform from <platform>-index.csv only', () => {
    expect(['windows-index.csv', 'azure-ad-index.csv', 'index.csv', 'notes.csv'].map(platformOfFile)).toEqual(
      ['windows', 'azure-ad', null, null],
    );
  });

  it('matches ATT&CK platform names and Atomic keys alike', () => {
    expect(atomicPlatformKeys('Windows')).toEqual(['windows']);
    expect(atomicPlatformKeys('Office Suite')).toEqual(['office-365', 'google-workspace', 'office-suite']);
    expect(atomicPlatformKeys('azure-ad')).toEqual(['azure-ad']);
  });
});
