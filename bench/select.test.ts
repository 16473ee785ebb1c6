import { describe, expect, it } from 'vitest';
import { selectBenchmarks, SelectionError } from './select.ts';

describe('selectBenchmarks', () => {
  it('runs every benchmark when given nothing', () => {
    expect(selectBenchmarks([])).toEqual({
      benchmarks: ['identity-tokens', 'image-data', 'volume-rate'],
      args: [],
    });
  });

  it('gives bare options to the identity benchmark, as before the others existed', () => {
    expect(selectBenchmarks(['--no-keystone', '--duration', '5'])).toEqual({
      benchmarks: ['identity-tokens'],
      args: ['--no-keystone', '--duration', '5'],
    });
  });

  it('picks one benchmark by name or short name and passes it the rest', () => {
    expect(selectBenchmarks(['image', '--sizes', '256'])).toEqual({
      benchmarks: ['image-data'],
      args: ['--sizes', '256'],
    });
    expect(selectBenchmarks(['volume-rate']).benchmarks).toEqual(['volume-rate']);
  });

  it('runs several named ones without options', () => {
    expect(selectBenchmarks(['volume,image']).benchmarks).toEqual(['volume-rate', 'image-data']);
  });

  it('refuses unknown names and options shared by several benchmarks', () => {
    expect(() => selectBenchmarks(['disk'])).toThrow(SelectionError);
    expect(() => selectBenchmarks(['image,volume', '--sizes', '1'])).toThrow(/one benchmark/);
  });
});
