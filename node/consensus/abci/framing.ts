/**
 * CometBFT 0.38 socket framing (abci/types/messages.go, libs/protoio): every protobuf message is preceded by its
 * length as an unsigned varint (binary.PutUvarint), no other header.
 */

/** Frames larger than this are refused: no ABCI message of this app comes near it. */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

export class FramingError extends Error {
  override name = 'FramingError';
}

export function encodeUvarint(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new FramingError(`cannot encode ${value} as an unsigned varint`);
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Uint8Array.from(bytes);
}

export function encodeFrame(message: Uint8Array): Uint8Array {
  const prefix = encodeUvarint(message.length);
  const frame = new Uint8Array(prefix.length + message.length);
  frame.set(prefix, 0);
  frame.set(message, prefix.length);
  return frame;
}

/** Reads a uvarint at `offset`: [value, bytes used], or undefined when the buffer ends first. */
export function decodeUvarint(buffer: Uint8Array, offset: number): [number, number] | undefined {
  let value = 0;
  let multiplier = 1;
  for (let index = offset; index < buffer.length; index++) {
    const byte = buffer[index]!;
    value += (byte & 0x7f) * multiplier;
    if (value > MAX_FRAME_BYTES) throw new FramingError(`frame length exceeds ${MAX_FRAME_BYTES} bytes`);
    if ((byte & 0x80) === 0) return [value, index - offset + 1];
    multiplier *= 0x80;
    if (index - offset >= 9) throw new FramingError('varint longer than 10 bytes');
  }
  return undefined;
}

/** Accumulates stream chunks and yields complete frames' payloads, in order. */
export class FrameDecoder {
  private buffer: Uint8Array = new Uint8Array(0);

  push(chunk: Uint8Array): Uint8Array[] {
    const joined = new Uint8Array(this.buffer.length + chunk.length);
    joined.set(this.buffer, 0);
    joined.set(chunk, this.buffer.length);
    const frames: Uint8Array[] = [];
    let offset = 0;
    for (;;) {
      const header = decodeUvarint(joined, offset);
      if (!header) break;
      const [length, used] = header;
      if (joined.length < offset + used + length) break;
      frames.push(joined.slice(offset + used, offset + used + length));
      offset += used + length;
    }
    this.buffer = joined.slice(offset);
    return frames;
  }

  get pendingBytes(): number {
    return this.buffer.length;
  }
}
