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

/**
 * Accumulates stream chunks and yields complete frames' payloads, in order. Chunks are kept as they arrive and each
 * byte is copied once, when its frame is complete: a large FinalizeBlock arriving in many small chunks costs linear
 * time, not a copy of the whole buffer per chunk.
 */
export class FrameDecoder {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  /** The head frame's prefix and payload lengths, once its whole prefix has arrived. */
  private head: { prefix: number; length: number } | null = null;

  push(chunk: Uint8Array): Uint8Array[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: Uint8Array[] = [];
    for (;;) {
      if (!this.head) {
        const header = decodeUvarint(this.peek(10), 0);
        if (!header) break;
        this.head = { length: header[0], prefix: header[1] };
      }
      if (this.buffered < this.head.prefix + this.head.length) break;
      this.take(this.head.prefix);
      frames.push(this.take(this.head.length));
      this.head = null;
    }
    return frames;
  }

  get pendingBytes(): number {
    return this.buffered;
  }

  /** Up to `count` leading bytes, copied, without consuming them. */
  private peek(count: number): Uint8Array {
    const out = new Uint8Array(Math.min(count, this.buffered));
    let filled = 0;
    for (const chunk of this.chunks) {
      if (filled === out.length) break;
      const part = chunk.subarray(0, out.length - filled);
      out.set(part, filled);
      filled += part.length;
    }
    return out;
  }

  /** Removes and returns the next `count` bytes (a fresh copy); the caller checked they are buffered. */
  private take(count: number): Uint8Array {
    const out = new Uint8Array(count);
    let filled = 0;
    while (filled < count) {
      const chunk = this.chunks[0]!;
      const part = chunk.subarray(0, count - filled);
      out.set(part, filled);
      filled += part.length;
      if (part.length === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(part.length);
    }
    this.buffered -= count;
    return out;
  }
}
