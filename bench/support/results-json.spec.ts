import { stagesOf } from './results-json';

describe('stagesOf', () => {
  it('reads every row of every table of a section as a stage, with numbers as numbers and the ratio apart', () => {
    const section = [
      '## Intake',
      '',
      'text | not a table',
      '',
      '| server | requests/s | p99 ms | ratio to baseline |',
      '| --- | ---: | ---: | ---: |',
      '| placeOrder | 1,234 | 45.5 | 0.512 |',
      '| baseline | 2,410 | 12.0 | 1.000 |',
      '',
      '| export | peak RSS MB | note |',
      '| --- | ---: | --- |',
      '| XLSX | 261 | bound by exceljs |',
    ].join('\n');
    expect(stagesOf(section)).toEqual([
      { stage: 'placeOrder', figures: { 'requests/s': 1234, 'p99 ms': 45.5, 'ratio to baseline': 0.512 }, ratio: 0.512 },
      { stage: 'baseline', figures: { 'requests/s': 2410, 'p99 ms': 12, 'ratio to baseline': 1 }, ratio: 1 },
      { stage: 'XLSX', figures: { 'peak RSS MB': 261, note: 'bound by exceljs' }, ratio: null },
    ]);
  });
});
