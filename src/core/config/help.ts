import type { ConfigSection } from './options.ts';
import { envName } from './load.ts';

/** Renders every declared option as text for `--help` and as Markdown for docs/. */
export function describeOptions(sections: readonly ConfigSection[], format: 'text' | 'markdown'): string {
  const lines: string[] = [];
  for (const section of sections) {
    if (format === 'markdown') {
      lines.push(`## \`${section.name}\``, '', section.help, '', '| option | type | default | environment | meaning |', '|---|---|---|---|---|');
    } else {
      lines.push(`[${section.name}] ${section.help}`);
    }
    for (const [key, spec] of Object.entries(section.options)) {
      const type = spec.kind === 'enum' ? spec.values!.join('|') : spec.kind;
      const bounds = [spec.min !== undefined ? `min ${spec.min}` : '', spec.max !== undefined ? `max ${spec.max}` : '']
        .filter(Boolean)
        .join(', ');
      const def = spec.secret ? '(secret)' : JSON.stringify(spec.default);
      if (format === 'markdown') {
        // A bare `|` (enum values, help text) would split the table cell.
        const cell = (text: string) => text.replace(/\|/g, '\\|');
        lines.push(
          `| \`${key}\` | ${cell(type)}${bounds ? ` (${bounds})` : ''} | \`${cell(def)}\` | \`${envName(section.name, key)}\` | ${cell(spec.help)} |`,
        );
      } else {
        lines.push(`  ${key} (${type}${bounds ? `, ${bounds}` : ''}, default ${def})`, `      ${spec.help}`);
      }
    }
    lines.push('');
  }
  return lines.join('\n');
}
