/**
 * Nova's extra spec validation (microversion 2.86): a spec whose name is registered is
 * checked against its value type; an unregistered name in a namespace Nova registers
 * (hw:, quota:, resources:, trait: ...) is refused; anything else (custom namespaces,
 * names without a namespace) passes. The registry follows nova/api/validation/extra_specs
 * for the libvirt-relevant namespaces; the vmware, powervm, hyperv, capabilities and
 * accel namespaces are not registered here, so their specs pass unchecked.
 */
type ValueRule =
  | { type: 'bool' }
  | { type: 'int'; min?: number; max?: number }
  | { type: 'str'; enum?: readonly string[]; pattern?: string };

interface SpecValidator {
  /** The name with `{param}` placeholders, as Nova documents it. */
  readonly name: string;
  readonly value: ValueRule;
  readonly params?: Readonly<Record<string, string>>;
}

const CPU_MASK = String.raw`\^?\d+((-\d+)?(,\^?\d+(-\d+)?)?)*`;
const GROUP = '([a-zA-Z0-9_-]{1,64})?';
const bool = { type: 'bool' } as const;
const int = (min?: number, max?: number): ValueRule => ({
  type: 'int',
  ...(min === undefined ? {} : { min }),
  ...(max === undefined ? {} : { max }),
});
const oneOf = (...values: string[]): ValueRule => ({ type: 'str', enum: values });
const pattern = (p: string): ValueRule => ({ type: 'str', pattern: p });

const quotaSpecs: SpecValidator[] = [
  ...['cpu', 'memory', 'disk_io', 'vif'].flatMap((r) => [
    { name: `quota:${r}_limit`, value: int() },
    { name: `quota:${r}_reservation`, value: int() },
    { name: `quota:${r}_shares_level`, value: { type: 'str' } as const },
    { name: `quota:${r}_shares_share`, value: int() },
  ]),
  ...['shares', 'period', 'quota'].map((k) => ({ name: `quota:cpu_${k}`, value: int(0) })),
  ...['read', 'write', 'total'].flatMap((s) =>
    ['bytes', 'iops'].map((m) => ({ name: `quota:disk_${s}_${m}_sec`, value: int(0) })),
  ),
  ...['inbound', 'outbound'].flatMap((s) =>
    ['average', 'peak', 'burst'].map((m) => ({ name: `quota:vif_${s}_${m}`, value: int(0) })),
  ),
];

const REGISTRY: readonly SpecValidator[] = [
  { name: 'hw:cpu_realtime', value: bool },
  { name: 'hw:cpu_realtime_mask', value: pattern(String.raw`(\^)?\d+((-\d+)?(,\^?\d+(-\d+)?)?)*`) },
  { name: 'hw:hide_hypervisor_id', value: bool },
  { name: 'hw:cpu_policy', value: oneOf('dedicated', 'shared', 'mixed') },
  { name: 'hw:cpu_thread_policy', value: oneOf('prefer', 'isolate', 'require') },
  { name: 'hw:emulator_threads_policy', value: oneOf('isolate', 'share') },
  { name: 'hw:cpu_dedicated_mask', value: pattern(CPU_MASK) },
  {
    name: 'hw:mem_page_size',
    value: pattern(String.raw`(large|small|any|\d+([kKMGT]i?)?(b|bit|B)?)`),
  },
  { name: 'hw:numa_nodes', value: int(1) },
  { name: 'hw:numa_cpus.{id}', value: pattern(CPU_MASK), params: { id: String.raw`\d+` } },
  { name: 'hw:numa_mem.{id}', value: int(1), params: { id: String.raw`\d+` } },
  {
    name: 'hw:pci_numa_affinity_policy',
    value: oneOf('required', 'preferred', 'legacy', 'socket'),
  },
  { name: 'hw:cpu_sockets', value: int(1) },
  { name: 'hw:cpu_cores', value: int(1) },
  { name: 'hw:cpu_threads', value: int(1) },
  { name: 'hw:max_cpu_sockets', value: int(1) },
  { name: 'hw:max_cpu_cores', value: int(1) },
  { name: 'hw:max_cpu_threads', value: int(1) },
  { name: 'hw:boot_menu', value: bool },
  { name: 'hw:mem_encryption', value: bool },
  { name: 'hw:pmem', value: pattern('([a-zA-Z0-9_]+(,)?)+') },
  { name: 'hw:pmu', value: bool },
  { name: 'hw:serial_port_count', value: int(0) },
  { name: 'hw:tpm_model', value: oneOf('tpm-tis', 'tpm-crb') },
  { name: 'hw:tpm_version', value: oneOf('1.2', '2.0') },
  { name: 'hw:watchdog_action', value: oneOf('none', 'pause', 'poweroff', 'reset', 'disabled') },
  { name: 'hw:locked_memory', value: bool },
  { name: 'hw:virtio_packed_ring', value: bool },
  { name: 'hw:vif_multiqueue_enabled', value: bool },
  { name: 'hw_rng:allowed', value: bool },
  { name: 'hw_rng:rate_bytes', value: int(0) },
  { name: 'hw_rng:rate_period', value: int(0) },
  { name: 'hw_video:ram_max_mb', value: int(0) },
  { name: 'os:secure_boot', value: oneOf('disabled', 'required') },
  { name: 'pci_passthrough:alias', value: pattern(String.raw`[^:]+:\d+(?:\s*,\s*[^:]+:\d+)*`) },
  { name: 'aggregate_instance_extra_specs:{key}', value: { type: 'str' }, params: { key: '.+' } },
  // os-resource-classes' standard classes and CUSTOM_ ones: any upper-case class name.
  {
    name: 'resources{group}:{resource}',
    value: int(),
    params: { group: GROUP, resource: '[A-Z][A-Z0-9_]*' },
  },
  // os-traits' standard traits and CUSTOM_ ones: any upper-case trait name.
  {
    name: 'trait{group}:{trait}',
    value: oneOf('required', 'forbidden'),
    params: { group: GROUP, trait: '[A-Z][A-Z0-9_]*' },
  },
  { name: 'hide_hypervisor_id', value: bool },
  { name: 'group_policy', value: oneOf('isolate', 'none') },
  ...quotaSpecs,
];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface Compiled {
  readonly spec: SpecValidator;
  readonly nameRegex: RegExp;
  readonly namespace: RegExp | undefined;
}

function compile(spec: SpecValidator): Compiled {
  let source = escape(spec.name);
  let ns = spec.name.includes(':') ? escape(spec.name.split(':', 1)[0]!) : undefined;
  for (const [param, p] of Object.entries(spec.params ?? {})) {
    source = source.replace(escape(`{${param}}`), `(?:${p})`);
    if (ns !== undefined) ns = ns.replace(escape(`{${param}}`), `(?:${p})`);
  }
  return {
    spec,
    nameRegex: new RegExp(`^(?:${source})$`),
    namespace: ns === undefined ? undefined : new RegExp(`^(?:${ns})$`),
  };
}

const COMPILED = REGISTRY.map(compile);
const NAMESPACES = COMPILED.flatMap((c) => (c.namespace ? [c.namespace] : []));
const BOOL_VALUES = ['1', '0', 'true', 'false', 't', 'f', 'yes', 'no', 'y', 'n', 'on', 'off'];

function checkValue(rule: ValueRule, value: string): string | undefined {
  switch (rule.type) {
    case 'bool':
      return BOOL_VALUES.includes(value.trim().toLowerCase())
        ? undefined
        : `Validation failed; '${value}' is not a valid boolean-like value.`;
    case 'int': {
      if (!/^\s*[-+]?\d+\s*$/.test(value))
        return `Validation failed; '${value}' is not a valid integer value.`;
      const n = Number(value);
      if (rule.max !== undefined && n > rule.max)
        return `Validation failed; '${value}' is greater than the max value of '${rule.max}'.`;
      if (rule.min !== undefined && n < rule.min)
        return `Validation failed; '${value}' is less than the min value of '${rule.min}'.`;
      return undefined;
    }
    case 'str':
      if (rule.pattern !== undefined && !new RegExp(`^(?:${rule.pattern})$`).test(value)) {
        return `Validation failed; '${value}' is not of the format '${rule.pattern}'.`;
      }
      if (rule.enum !== undefined && !rule.enum.includes(value)) {
        return `Validation failed; '${value}' is not one of: ${rule.enum.join(', ')}.`;
      }
      return undefined;
  }
}

/** Why Nova (2.86+) refuses this extra spec, or undefined when it accepts it. */
export function extraSpecProblem(name: string, value: string): string | undefined {
  const match = COMPILED.find((c) => c.nameRegex.test(name));
  if (match) return checkValue(match.spec.value, value);
  if (!name.includes(':')) return undefined;
  const namespace = name.split(':', 1)[0]!;
  if (!NAMESPACES.some((ns) => ns.test(namespace))) return undefined;
  return `Validation failed; extra spec '${name}' does not appear to be a valid extra spec.`;
}
