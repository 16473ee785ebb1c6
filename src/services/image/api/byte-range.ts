import { imageErrors } from '../errors.ts';

/**
 * A `Range: bytes=...` request header against data of `size` bytes (RFC 9110): one range,
 * `a-b`, `a-` or `-n`. Null when there is no header; 416 when the range is unsatisfiable
 * or asks for several ranges, which Glance does not serve either.
 */
export function parseByteRange(header: string | undefined, size: number): { offset: number; length: number } | null {
  if (header === undefined || header.trim() === '') return null;
  const unsatisfiable = () =>
    imageErrors.rangeNotSatisfiable(`Requested range ${header} is not satisfiable for data of ${size} bytes.`, { 'content-range': `bytes */${size}` });
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) throw unsatisfiable();
  let first: number;
  let last: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) throw unsatisfiable();
    first = Math.max(0, size - suffix);
    last = size - 1;
  } else {
    first = Number(m[1]);
    last = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (first >= size || (m[2] !== '' && Number(m[2]) < first)) throw unsatisfiable();
  }
  return { offset: first, length: last - first + 1 };
}
