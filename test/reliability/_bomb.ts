/**
 * Zip bombs for the archive tests: entries of many MiB of one byte, built
 * from one deflated MiB repeated, so a 1 GiB entry costs about 1 MiB of
 * archive and no time to build.
 *
 * @module
 */
import * as fs from "node:fs/promises";
import { constants, crc32, deflateRawSync } from "node:zlib";

/** One entry of a bomb: plain bytes, or `mib` MiB of the byte `fill`. */
export type BombEntry = { name: string; bytes: Uint8Array } | {
  name: string;
  mib: number;
  fill: number;
};

/** Writes a zip of these entries, streaming style (sizes in data descriptors, as fflate writes). */
export async function writeBomb(file: string, entries: BombEntry[]): Promise<void> {
  const handle = await fs.open(file, "wx");
  const central: Uint8Array[] = [];
  let offset = 0;
  const write = async (bytes: Uint8Array) => {
    await handle.write(bytes);
    offset += bytes.byteLength;
  };
  try {
    for (const entry of entries) {
      const name = new TextEncoder().encode(entry.name);
      const start = offset;
      let crc = 0;
      let compressed = 0;
      let size = 0;
      await write(localHeader(name));
      if ("bytes" in entry) {
        const data = deflateRawSync(entry.bytes);
        await write(data);
        crc = crc32(entry.bytes);
        compressed = data.byteLength;
        size = entry.bytes.byteLength;
      } else {
        const block = new Uint8Array(1 << 20).fill(entry.fill);
        // A full flush ends byte-aligned with no reference back, so the block can repeat.
        const deflated = deflateRawSync(block, { finishFlush: constants.Z_FULL_FLUSH });
        for (let i = 0; i < entry.mib; i++) {
          await write(deflated);
          crc = crc32(block, crc);
        }
        const end = new Uint8Array([0x03, 0x00]); // an empty final block
        await write(end);
        compressed = deflated.byteLength * entry.mib + end.byteLength;
        size = entry.mib * (1 << 20);
      }
      await write(dataDescriptor(crc, compressed, size));
      central.push(centralHeader(name, { crc, compressed, size, offset: start }));
    }
    const at = offset;
    let length = 0;
    for (const header of central) {
      await write(header);
      length += header.byteLength;
    }
    await write(endOfCentralDirectory(central.length, length, at));
  } finally {
    await handle.close();
  }
}

function localHeader(name: Uint8Array): Uint8Array {
  const out = new Uint8Array(30 + name.byteLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x04034b50, true);
  view.setUint16(4, 20, true);
  view.setUint16(6, 0x0808, true); // sizes in a data descriptor, UTF-8 names
  view.setUint16(8, 8, true); // deflate
  view.setUint16(26, name.byteLength, true);
  out.set(name, 30);
  return out;
}

function dataDescriptor(crc: number, compressed: number, size: number): Uint8Array {
  const out = new Uint8Array(16);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x08074b50, true);
  view.setUint32(4, crc >>> 0, true);
  view.setUint32(8, compressed, true);
  view.setUint32(12, size % 2 ** 32, true);
  return out;
}

function centralHeader(
  name: Uint8Array,
  entry: { crc: number; compressed: number; size: number; offset: number },
): Uint8Array {
  const out = new Uint8Array(46 + name.byteLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x02014b50, true);
  view.setUint16(4, 20, true);
  view.setUint16(6, 20, true);
  view.setUint16(8, 0x0808, true);
  view.setUint16(10, 8, true);
  view.setUint32(16, entry.crc >>> 0, true);
  view.setUint32(20, entry.compressed, true);
  view.setUint32(24, entry.size % 2 ** 32, true);
  view.setUint16(28, name.byteLength, true);
  view.setUint32(42, entry.offset, true);
  out.set(name, 46);
  return out;
}

function endOfCentralDirectory(count: number, length: number, offset: number): Uint8Array {
  const out = new Uint8Array(22);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x06054b50, true);
  view.setUint16(8, count, true);
  view.setUint16(10, count, true);
  view.setUint32(12, length, true);
  view.setUint32(16, offset, true);
  return out;
}
