import { connect } from 'node:net';
import { Request, Response } from 'cosmjs-types/tendermint/abci/types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeUvarint, encodeFrame, encodeUvarint, FrameDecoder, FramingError, MAX_FRAME_BYTES } from '../../node/consensus/abci/framing.ts';
import { startAbciServer } from '../../node/consensus/abci/server.ts';
import { initializedApplication } from '../node/consensus/sim.ts';
import { fuzzParams } from './support.ts';

/** Pushes `chunks` in order; returns the frames, or the FramingError that ended the stream. */
function pushAll(decoder: FrameDecoder, chunks: Uint8Array[]): Uint8Array[] | FramingError {
  const frames: Uint8Array[] = [];
  try {
    for (const chunk of chunks) frames.push(...decoder.push(chunk));
  } catch (error) {
    expect(error).toBeInstanceOf(FramingError);
    return error as FramingError;
  }
  return frames;
}

/** Splits `bytes` at the given cut points (taken modulo its length). */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  return chunks;
}

describe('fuzz: ABCI framing (uvarint length prefix)', () => {
  it('uvarints round-trip for every length up to the frame limit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_FRAME_BYTES }), (n) => {
        const bytes = encodeUvarint(n);
        expect(decodeUvarint(bytes, 0)).toEqual([n, bytes.length]);
        expect(decodeUvarint(bytes.subarray(0, bytes.length - 1), 0)).toBeUndefined();
      }),
      fuzzParams(1000),
    );
  });

  it('frames round-trip however the stream is cut into chunks', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 8 }), (messages, cuts) => {
        const stream = Buffer.concat(messages.map(encodeFrame));
        const decoder = new FrameDecoder();
        const frames = pushAll(decoder, split(stream, cuts));
        expect(frames).toEqual(messages);
        expect(decoder.pendingBytes).toBe(0);
      }),
      fuzzParams(500),
    );
  });

  it('arbitrary byte streams yield frames or a FramingError, and never more bytes than were sent', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (chunks) => {
        const decoder = new FrameDecoder();
        const frames = pushAll(decoder, chunks);
        const sent = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
        if (!(frames instanceof FramingError)) expect(frames.reduce((sum, frame) => sum + frame.length, 0) + decoder.pendingBytes).toBeLessThanOrEqual(sent);
      }),
      fuzzParams(1000),
    );
  });

  it('a length above the limit or a varint over 10 bytes is a FramingError, before any payload arrives', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: MAX_FRAME_BYTES + 1, max: Number.MAX_SAFE_INTEGER }).map(encodeUvarint), fc.integer({ min: 11, max: 20 }).map((n) => new Uint8Array(n).fill(0x80))), (prefix) => {
        expect(() => new FrameDecoder().push(prefix)).toThrow(FramingError);
      }),
      fuzzParams(300),
    );
  });
});

describe('fuzz: the ABCI socket server with the real application', () => {
  it('answers any frame (an exception response at worst) and keeps serving the connection in order', async () => {
    const app = initializedApplication('fuzz-abci', [30_000, 25_000, 25_000, 20_000]);
    const server = await startAbciServer({ port: 0, handler: app.handle });
    const socket = connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const decoder = new FrameDecoder();
    const waiting: ((response: Response) => void)[] = [];
    socket.on('data', (chunk) => {
      for (const frame of decoder.push(chunk)) waiting.shift()?.(Response.decode(frame));
    });
    const send = (payload: Uint8Array) =>
      new Promise<Response>((resolve) => {
        waiting.push(resolve);
        socket.write(encodeFrame(payload));
      });
    // Requests that only read: random bytes would otherwise decode to FinalizeBlock/Commit and move the app on.
    const readOnly = fc.oneof(
      fc.uint8Array({ maxLength: 120 }).filter((bytes) => {
        try {
          const request = Request.decode(bytes);
          return !request.finalizeBlock && !request.commit && !request.initChain && !request.prepareProposal && !request.extendVote && !request.processProposal;
        } catch {
          return true;
        }
      }),
      fc.record({ path: fc.string({ maxLength: 40 }), data: fc.uint8Array({ maxLength: 20 }) }).map((query) => Request.encode(Request.fromPartial({ query })).finish()),
      fc.uint8Array({ maxLength: 200 }).map((tx) => Request.encode(Request.fromPartial({ checkTx: { tx } })).finish()),
    );
    try {
      await fc.assert(
        fc.asyncProperty(readOnly, fc.string({ maxLength: 10 }), async (payload, message) => {
          await send(payload);
          const echo = await send(Request.encode(Request.fromPartial({ echo: { message } })).finish());
          expect(echo.echo?.message).toBe(message);
        }),
        fuzzParams(200),
      );
      // Regression: a query path that is not a URL path used to throw out of the handler (an exception response).
      const answer = await send(Request.encode(Request.fromPartial({ query: { path: '//' } })).finish());
      expect(answer.exception).toBeUndefined();
      expect(answer.query?.code).toBe(400);
    } finally {
      socket.destroy();
      await server.close();
    }
  });
});
