// The files behind volumes of a file volume backend (strata's: `volume-<id>.qcow2|raw` in one
// directory), checked with the real qemu-img: the format and virtual size a volume's file
// has, that it and its backing chain are sound, and that copied data arrived intact.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { runCommand } from '../lib/run-command.ts';
import { StepFailure } from './scenario-runner.ts';

const GIB = 1024 ** 3;

/** One entry of `qemu-img info --output=json` (an array of them with --backing-chain). */
export interface QemuImgInfo {
  filename: string;
  format: string;
  'virtual-size': number;
  'backing-filename'?: string;
  'dirty-flag'?: boolean;
  'format-specific'?: { type?: string; data?: { corrupt?: boolean } };
}

/** Where the volume's file should be, for the formats the backend writes. */
export function volumeFileCandidates(dir: string, volumeId: string): string[] {
  return ['qcow2', 'raw'].map((format) => path.join(dir, `volume-${volumeId}.${format}`));
}

/**
 * What is wrong with a volume's file, from `qemu-img info --backing-chain` of it: empty when
 * it is a qcow2 or raw file (matching its name) of `sizeGiB`, whose chain is readable and
 * not marked corrupt or dirty.
 */
export function volumeFileProblems(
  file: string,
  chain: readonly QemuImgInfo[],
  sizeGiB: number,
): string[] {
  const problems: string[] = [];
  const [top] = chain;
  if (!top) return [`qemu-img info printed nothing for ${file}`];
  const extension = path.extname(file).slice(1);
  if (top.format !== extension)
    problems.push(`format is ${top.format}, the file is named .${extension}`);
  if (top['virtual-size'] !== sizeGiB * GIB) {
    problems.push(
      `virtual size is ${top['virtual-size']} bytes, the volume has ${sizeGiB} GiB (${sizeGiB * GIB})`,
    );
  }
  for (const entry of chain) {
    if (!['qcow2', 'raw'].includes(entry.format))
      problems.push(`${entry.filename} is ${entry.format}`);
    if (entry['format-specific']?.data?.corrupt === true)
      problems.push(`${entry.filename} is marked corrupt`);
    if (entry['dirty-flag'] === true) problems.push(`${entry.filename} has its dirty flag set`);
  }
  return problems;
}

/** What a checked volume file is, for the step's detail line. */
export interface VolumeFileReport {
  file: string;
  format: string;
  chainLength: number;
}

/** Runs qemu-img on the files of one backend directory on this host. */
export class VolumeFiles {
  constructor(
    readonly dir: string,
    private readonly qemuImg = 'qemu-img',
  ) {}

  /** The volume's file; fails the step when there is none. */
  locate(volumeId: string): string {
    const found = volumeFileCandidates(this.dir, volumeId).filter((f) => existsSync(f));
    if (found.length !== 1) {
      throw new StepFailure(
        found.length === 0
          ? `no file volume-${volumeId}.qcow2 or .raw in ${this.dir}`
          : `both ${found.join(' and ')} exist`,
      );
    }
    return found[0] as string;
  }

  /** `qemu-img info` (whole backing chain) and, for qcow2, `qemu-img check`. */
  async check(volumeId: string, sizeGiB: number): Promise<VolumeFileReport> {
    const file = this.locate(volumeId);
    // -U: the backend may hold the file open (an export); reading metadata needs no lock
    const info = await this.qemu(['info', '--backing-chain', '--output=json', '-U', file]);
    let chain: QemuImgInfo[];
    try {
      const parsed = JSON.parse(info) as QemuImgInfo | QemuImgInfo[];
      chain = Array.isArray(parsed) ? parsed : [parsed];
    } catch {
      throw new StepFailure(`qemu-img info ${file} printed no JSON: ${info.slice(0, 200)}`);
    }
    const problems = volumeFileProblems(file, chain, sizeGiB);
    if (problems.length > 0) throw new StepFailure(`${file}: ${problems.join('; ')}`);
    const top = chain[0] as QemuImgInfo;
    if (top.format === 'qcow2') await this.qemu(['check', '-U', '-f', 'qcow2', file]);
    return { file, format: top.format, chainLength: chain.length };
  }

  /**
   * `qemu-img compare` of a volume's file with a reference file (an image, or the volume it
   * was copied from): identical contents, the larger one zero past the other's end.
   */
  async sameContent(volumeId: string, reference: { file: string; format: string }): Promise<void> {
    const file = this.locate(volumeId);
    const format = path.extname(file).slice(1);
    const r = await runCommand(
      this.qemuImg,
      ['compare', '-U', '-f', reference.format, '-F', format, reference.file, file],
      {
        timeoutMs: 300_000,
      },
    );
    if (r.exitCode === 1)
      throw new StepFailure(`${file} differs from ${reference.file}: ${r.stdout.trim()}`);
    if (r.exitCode !== 0) {
      throw new StepFailure(
        `qemu-img compare ${reference.file} ${file} failed (exit ${r.exitCode}): ${r.stderr.trim()}`,
      );
    }
  }

  /** The volume's format and file, as a reference for sameContent. */
  reference(volumeId: string): { file: string; format: string } {
    const file = this.locate(volumeId);
    return { file, format: path.extname(file).slice(1) };
  }

  /** Files of the directory named for the id (`volume-<id>.*`, `snapshot-<id>.*`). */
  filesOf(id: string): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir).filter((name) => name.includes(`-${id}.`));
  }

  private async qemu(args: string[]): Promise<string> {
    const r = await runCommand(this.qemuImg, args, { timeoutMs: 120_000 });
    if (r.exitCode !== 0) {
      throw new StepFailure(
        `qemu-img ${args.join(' ')} failed (exit ${r.exitCode ?? r.signal}): ${(r.stderr || r.stdout).trim()}`,
      );
    }
    return r.stdout;
  }
}
