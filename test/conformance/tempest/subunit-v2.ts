import { crc32 } from 'node:zlib';

/**
 * Reader for the subunit v2 byte stream that stestr stores and `stestr last --subunit`
 * prints. Packet layout (python-subunit's README):
 *
 *   0xB3 | flags u16 | length varint (whole packet incl. signature and CRC) |
 *   [timestamp: u32 seconds + varint nanoseconds] [test id: utf8] [tags: varint n + n utf8]
 *   [mime type: utf8] [file: utf8 name + varint length + bytes] [route code: utf8] | CRC32 u32
 *
 * Integers are big-endian; a varint's top two bits give its size (1 to 4 bytes); a utf8
 * field is a varint byte length followed by the bytes.
 */

export type SubunitStatus =
  'exists' | 'inprogress' | 'success' | 'uxsuccess' | 'skip' | 'fail' | 'xfail';

export interface SubunitPacket {
  testId?: string;
  status?: SubunitStatus;
  /** Seconds since the epoch, with the packet's sub-second part. */
  timestamp?: number;
  tags?: string[];
  mimeType?: string;
  fileName?: string;
  fileBytes?: Buffer;
  routeCode?: string;
  eof: boolean;
  runnable: boolean;
}

export interface SubunitStream {
  packets: SubunitPacket[];
  /** Bytes between packets that are not subunit (a worker's stray stdout). */
  nonSubunitBytes: number;
  /** Offsets of what looked like a packet header but failed its checksum or bounds. */
  damagedPackets: number[];
}

const SIGNATURE = 0xb3;
const VERSION_2 = 0x2;
const FLAG_TEST_ID = 0x0800;
const FLAG_ROUTE_CODE = 0x0400;
const FLAG_TIMESTAMP = 0x0200;
const FLAG_RUNNABLE = 0x0100;
const FLAG_TAGS = 0x0080;
const FLAG_FILE_CONTENT = 0x0040;
const FLAG_MIME_TYPE = 0x0020;
const FLAG_EOF = 0x0010;
const STATUS_BY_CODE: readonly (SubunitStatus | undefined)[] = [
  undefined,
  'exists',
  'inprogress',
  'success',
  'uxsuccess',
  'skip',
  'fail',
  'xfail',
];

class PacketError extends Error {
  /** Bytes to skip past the damaged packet, when its length field could be trusted. */
  constructor(
    message: string,
    readonly skip = 1,
  ) {
    super(message);
  }
}

/** A cursor over one packet's bytes; every read checks the packet's bounds. */
class PacketReader {
  constructor(
    private readonly bytes: Buffer,
    public pos: number,
    private readonly end: number,
  ) {}

  private need(n: number): void {
    if (this.pos + n > this.end) throw new PacketError('field extends past the packet');
  }

  u32(): number {
    this.need(4);
    const v = this.bytes.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  varint(): number {
    this.need(1);
    const first = this.bytes[this.pos] as number;
    const size = (first >> 6) + 1;
    this.need(size);
    let value = first & 0x3f;
    for (let i = 1; i < size; i++) value = value * 256 + (this.bytes[this.pos + i] as number);
    this.pos += size;
    return value;
  }

  raw(length: number): Buffer {
    this.need(length);
    const slice = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return slice;
  }

  utf8(): string {
    const bytes = this.raw(this.varint());
    if (bytes.includes(0)) throw new PacketError('NUL byte in a string');
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  }
}

/** Reads a packet starting at `start` (on the signature byte); returns it and its length. */
function readPacket(bytes: Buffer, start: number): { packet: SubunitPacket; length: number } {
  if (start + 6 > bytes.length) throw new PacketError('truncated header');
  const flags = bytes.readUInt16BE(start + 1);
  if (flags >> 12 !== VERSION_2) throw new PacketError('not a version 2 packet');
  const header = new PacketReader(bytes, start + 3, bytes.length);
  const length = header.varint();
  if (length < 7 || start + length > bytes.length) throw new PacketError('bad packet length');
  const end = start + length - 4;
  const stored = bytes.readUInt32BE(end);
  if (crc32(bytes.subarray(start, end)) !== stored) throw new PacketError('bad checksum', length);

  const body = new PacketReader(bytes, header.pos, end);
  try {
    return { packet: readFields(flags, body), length };
  } catch (err) {
    if (err instanceof PacketError) throw new PacketError(err.message, length);
    throw err;
  }
}

function readFields(flags: number, body: PacketReader): SubunitPacket {
  const packet: SubunitPacket = {
    eof: (flags & FLAG_EOF) !== 0,
    runnable: (flags & FLAG_RUNNABLE) !== 0,
  };
  if (flags & FLAG_TIMESTAMP) {
    const seconds = body.u32();
    packet.timestamp = seconds + body.varint() / 1e9;
  }
  if (flags & FLAG_TEST_ID) packet.testId = body.utf8();
  if (flags & FLAG_TAGS) {
    const count = body.varint();
    packet.tags = Array.from({ length: count }, () => body.utf8());
  }
  if (flags & FLAG_MIME_TYPE) packet.mimeType = body.utf8();
  if (flags & FLAG_FILE_CONTENT) {
    packet.fileName = body.utf8();
    packet.fileBytes = Buffer.from(body.raw(body.varint()));
  }
  if (flags & FLAG_ROUTE_CODE) packet.routeCode = body.utf8();
  const status = STATUS_BY_CODE[flags & 0x7];
  if (status) packet.status = status;
  return packet;
}

/**
 * Parses a whole stream. Text between packets (a worker's stray output) is skipped and
 * counted. Like python-subunit, a 0xB3 byte starts a packet only at a UTF-8 character
 * boundary: inside text it is a continuation byte (as in "ó", C3 B3). A packet that fails
 * its checksum or bounds is recorded as damaged and skipped whole when its length is sane.
 */
export function parseSubunitV2(data: Uint8Array): SubunitStream {
  const bytes = Buffer.isBuffer(data)
    ? data
    : Buffer.from(data.buffer, data.byteOffset, data.length);
  const stream: SubunitStream = { packets: [], nonSubunitBytes: 0, damagedPackets: [] };
  let continuationBytesDue = 0; // of the UTF-8 character the text is in the middle of
  let pos = 0;
  while (pos < bytes.length) {
    const byte = bytes[pos] as number;
    if (byte === SIGNATURE && continuationBytesDue === 0) {
      try {
        const { packet, length } = readPacket(bytes, pos);
        stream.packets.push(packet);
        pos += length;
      } catch (err) {
        if (!(err instanceof PacketError)) throw err;
        stream.damagedPackets.push(pos);
        pos += err.skip;
      }
      continue;
    }
    if (byte >= 0xc0) continuationBytesDue = byte >= 0xf0 ? 3 : byte >= 0xe0 ? 2 : 1;
    else if (byte >= 0x80 && continuationBytesDue > 0) continuationBytesDue--;
    else continuationBytesDue = 0;
    stream.nonSubunitBytes++;
    pos++;
  }
  return stream;
}
