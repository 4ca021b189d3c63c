import { describe, expect, it } from 'vitest';
import { decodeUvarint, encodeFrame, encodeUvarint, FrameDecoder, FramingError, MAX_FRAME_BYTES } from '../../../../node/consensus/abci/framing.ts';

describe('ABCI socket framing (uvarint length prefix)', () => {
  it('encodes lengths as Go binary.PutUvarint does', () => {
    expect([...encodeUvarint(0)]).toEqual([0]);
    expect([...encodeUvarint(1)]).toEqual([1]);
    expect([...encodeUvarint(127)]).toEqual([127]);
    expect([...encodeUvarint(128)]).toEqual([0x80, 0x01]);
    expect([...encodeUvarint(300)]).toEqual([0xac, 0x02]);
    expect([...encodeUvarint(16_384)]).toEqual([0x80, 0x80, 0x01]);
    expect(decodeUvarint(Uint8Array.from([0xac, 0x02]), 0)).toEqual([300, 2]);
  });

  it('reassembles frames split at every byte boundary and several frames per chunk', () => {
    const messages = [new Uint8Array(0), Uint8Array.from([1, 2, 3]), new Uint8Array(300).fill(7)];
    const stream = Uint8Array.from(messages.flatMap((message) => [...encodeFrame(message)]));
    for (let split = 0; split <= stream.length; split++) {
      const decoder = new FrameDecoder();
      const frames = [...decoder.push(stream.subarray(0, split)), ...decoder.push(stream.subarray(split))];
      expect(frames.map((frame) => [...frame])).toEqual(messages.map((message) => [...message]));
      expect(decoder.pendingBytes).toBe(0);
    }
    const byteByByte = new FrameDecoder();
    const frames = [...stream].flatMap((byte) => byteByByte.push(Uint8Array.of(byte)));
    expect(frames).toHaveLength(3);
  });

  it('reassembles a large frame from many small chunks and reports what is still pending', () => {
    const message = Uint8Array.from({ length: 200_000 }, (_, index) => index % 251);
    const stream = Uint8Array.from([...encodeFrame(message), ...encodeFrame(Uint8Array.of(9))]);
    const decoder = new FrameDecoder();
    const frames: Uint8Array[] = [];
    for (let offset = 0; offset < stream.length - 1; offset += 1000) {
      frames.push(...decoder.push(stream.subarray(offset, Math.min(offset + 1000, stream.length - 1))));
      if (frames.length === 0) expect(decoder.pendingBytes).toBe(Math.min(offset + 1000, stream.length - 1));
    }
    expect(frames).toHaveLength(1);
    expect(Buffer.from(frames[0]!).equals(Buffer.from(message))).toBe(true);
    expect(decoder.pendingBytes).toBe(1);
    expect(decoder.push(stream.subarray(stream.length - 1)).map((frame) => [...frame])).toEqual([[9]]);
    expect(decoder.pendingBytes).toBe(0);
  });

  it('refuses frames above the size limit and over-long varints', () => {
    expect(() => new FrameDecoder().push(encodeUvarint(MAX_FRAME_BYTES + 1))).toThrow(FramingError);
    expect(() => decodeUvarint(new Uint8Array(11).fill(0x80), 0)).toThrow(FramingError);
    expect(() => encodeUvarint(-1)).toThrow(FramingError);
  });
});
