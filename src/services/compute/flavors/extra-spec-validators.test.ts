import { describe, expect, it } from 'vitest';
import { extraSpecProblem } from './extra-spec-validators.ts';

describe('extra spec validation (2.86)', () => {
  it('accepts registered specs with valid values, custom namespaces and bare names', () => {
    for (const [k, v] of [
      ['hw:cpu_policy', 'shared'],
      ['hw:numa_nodes', '2'],
      ['hw:numa_cpus.0', '0-3,^2'],
      ['hw:mem_page_size', '2MiB'],
      ['hw_rng:allowed', 'True'],
      ['quota:disk_read_bytes_sec', '10240'],
      ['resources:VCPU', '2'],
      ['resources1:CUSTOM_GPU', '1'],
      ['trait:HW_CPU_X86_AVX2', 'required'],
      ['trait2:CUSTOM_FOO', 'forbidden'],
      ['aggregate_instance_extra_specs:ssd', 'true'],
      ['group_policy', 'isolate'],
      ['foo:bar', 'baz'],
      ['key1', 'anything'],
    ]) {
      expect(extraSpecProblem(k!, v!), `${k}=${v}`).toBeUndefined();
    }
  });

  it("refuses bad values and unknown names in known namespaces with Nova's messages", () => {
    expect(extraSpecProblem('hw:cpu_policy', 'sharing')).toBe(
      "Validation failed; 'sharing' is not one of: dedicated, shared, mixed.",
    );
    expect(extraSpecProblem('hw:numa_nodes', 'two')).toBe(
      "Validation failed; 'two' is not a valid integer value.",
    );
    expect(extraSpecProblem('hw:numa_nodes', '0')).toBe(
      "Validation failed; '0' is less than the min value of '1'.",
    );
    expect(extraSpecProblem('hw:pmu', 'maybe')).toBe(
      "Validation failed; 'maybe' is not a valid boolean-like value.",
    );
    expect(extraSpecProblem('hw:numa_cpus.0', 'x')).toMatch(/is not of the format/);
    expect(extraSpecProblem('hw:no_such_thing', '1')).toBe(
      "Validation failed; extra spec 'hw:no_such_thing' does not appear to be a valid extra spec.",
    );
    expect(extraSpecProblem('resources:vcpu', '1')).toMatch(
      /does not appear to be a valid extra spec/,
    );
    expect(extraSpecProblem('resources3:VCPU', 'x')).toMatch(/not a valid integer/);
    expect(extraSpecProblem('trait:FOO', 'preferred')).toMatch(
      /is not one of: required, forbidden/,
    );
  });
});
