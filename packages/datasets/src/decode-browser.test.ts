// The browser decoder under Node, with createImageBitmap / OffscreenCanvas replaced by fakes
// that behave like the browser's: this checks our RGBA → RGB conversion, option passing and
// errors, not the browser's own JPEG decoder.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeAll, decodeImage } from './decode-browser';
import { ImageDecodeError } from './errors';

interface FakeBitmap {
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
  closed: boolean;
}
const calls: { options: ImageBitmapOptions | undefined }[] = [];
const bitmaps: FakeBitmap[] = [];

/** "Decodes" a blob whose bytes are `FAKE w h r g b a r g b a …`; anything else fails like a browser does. */
async function fakeCreateImageBitmap(blob: Blob, options?: ImageBitmapOptions): Promise<FakeBitmap> {
  calls.push({ options });
  const text = new TextDecoder().decode(await blob.arrayBuffer());
  const parts = text.split(' ');
  if (parts[0] !== 'FAKE') throw new DOMException('The source image could not be decoded.', 'InvalidStateError');
  const [w, h, ...px] = parts.slice(1).map(Number);
  const bitmap = { width: options?.resizeWidth ?? w!, height: options?.resizeHeight ?? h!, rgba: Uint8ClampedArray.from(px), closed: false };
  bitmap.rgba = options?.resizeWidth ? new Uint8ClampedArray(bitmap.width * bitmap.height * 4).fill(9) : bitmap.rgba;
  const closable = Object.assign(bitmap, { close: () => void (bitmap.closed = true) });
  bitmaps.push(closable);
  return closable;
}

class FakeOffscreenCanvas {
  private drawn: FakeBitmap | undefined;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {}
  getContext(): object {
    return {
      drawImage: (b: FakeBitmap) => void (this.drawn = b),
      getImageData: (_x: number, _y: number, w: number, h: number) => ({ width: w, height: h, data: this.drawn!.rgba }),
    };
  }
}

const g = globalThis as Record<string, unknown>;
beforeEach(() => {
  g.createImageBitmap = fakeCreateImageBitmap;
  g.OffscreenCanvas = FakeOffscreenCanvas;
  calls.length = 0;
  bitmaps.length = 0;
});
afterEach(() => {
  delete g.createImageBitmap;
  delete g.OffscreenCanvas;
});

const fake = (s: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(s) as Uint8Array<ArrayBuffer>;

describe('decodeImage (browser)', () => {
  it('drops alpha from the canvas RGBA and closes the bitmap', async () => {
    const img = await decodeImage(new Blob([fake('FAKE 2 1 10 20 30 255 40 50 60 128')]));
    expect([img.width, img.height, img.channels]).toEqual([2, 1, 3]);
    expect([...img.data]).toEqual([10, 20, 30, 40, 50, 60]);
    expect(bitmaps[0]!.closed).toBe(true);
    expect(calls[0]!.options).toMatchObject({ imageOrientation: 'from-image', premultiplyAlpha: 'none' });
  });

  it('passes resize to createImageBitmap and converts to float32', async () => {
    const img = await decodeImage(fake('FAKE 2 1 1 2 3 4 5 6 7 8'), { resize: { width: 3, height: 2 }, dtype: 'float32', autoOrient: false });
    expect(calls[0]!.options).toMatchObject({ resizeWidth: 3, resizeHeight: 2, resizeQuality: 'high', imageOrientation: 'none' });
    expect(img.data).toBeInstanceOf(Float32Array);
    expect([img.width, img.height, img.data.length]).toEqual([3, 2, 18]);
    expect(img.data.every((v) => v === 9)).toBe(true);
  });

  it('names the File in errors: empty, undecodable; and the URL on HTTP errors', async () => {
    await expect(decodeImage(new File([], 'empty.jpg'))).rejects.toThrow(/^empty\.jpg: file is empty/);
    await expect(decodeImage(new File([fake('GIF89a junk')], 'broken.jpg'))).rejects.toThrow(/^broken\.jpg: corrupt, truncated or unsupported image \(The source image could not be decoded\.\)/);
    const realFetch = globalThis.fetch;
    g.fetch = async () => new Response('no', { status: 404, statusText: 'Not Found' });
    try {
      await expect(decodeImage('https://example.test/a.jpg')).rejects.toThrow('https://example.test/a.jpg: HTTP 404 Not Found');
    } finally {
      g.fetch = realFetch;
    }
  });

  it('says when there is no createImageBitmap', async () => {
    delete g.createImageBitmap;
    await expect(decodeImage(fake('FAKE 1 1 0 0 0 0'), { source: 'x.png' })).rejects.toThrow(ImageDecodeError);
    await expect(decodeImage(fake('FAKE 1 1 0 0 0 0'), { source: 'x.png' })).rejects.toThrow(/x\.png: createImageBitmap is not available/);
  });

  it('limits: maxBytes on Blobs and responses (by Content-Length, else while streaming), maxPixels and minSize on the bitmap', async () => {
    const blob = new File([fake('FAKE 2 1 1 2 3 4 5 6 7 8')], 'wide.png');
    await expect(decodeImage(blob, { maxBytes: 10 })).rejects.toThrow(/^wide\.png: file is 24 bytes, over the 10 bytes limit for an image \(raise it with the maxBytes option\)$/);
    await expect(decodeImage(blob, { maxPixels: 1 })).rejects.toThrow(/^wide\.png: image is 2×1 = 2 pixels, over the 1 pixel limit \(raise it with the maxPixels option\)$/);
    await expect(decodeImage(blob, { minSize: 2 })).rejects.toThrow(/^wide\.png: image is 2×1, smaller than the 2×2 minimum \(the minSize option\)$/);
    expect(bitmaps.every((b) => b.closed)).toBe(true);
    expect((await decodeImage(blob, { maxBytes: 24, maxPixels: 2 })).width).toBe(2);
    await expect(decodeImage(blob, { maxBytes: -1 })).rejects.toThrow(/wide\.png: maxBytes must be a positive integer or Infinity, got -1/);
    const realFetch = globalThis.fetch;
    try {
      g.fetch = async () => new Response('x'.repeat(100), { headers: { 'content-length': '100' } });
      await expect(decodeImage('https://example.test/big.jpg', { maxBytes: 50 })).rejects.toThrow('https://example.test/big.jpg: file is 100 bytes, over the 50 bytes limit');
      // An endless body without a length: cut off once past the limit.
      let pulled = 0;
      const endless = new ReadableStream<Uint8Array>({ pull: (c) => void (pulled++, c.enqueue(new Uint8Array(1024))) });
      g.fetch = async () => new Response(endless);
      await expect(decodeImage('https://example.test/zero', { maxBytes: 4096 })).rejects.toThrow('https://example.test/zero: file is more than the 4 KiB limit for an image (raise it with the maxBytes option)');
      expect(pulled).toBeLessThan(10);
      g.fetch = async () => new Response(fake('FAKE 1 1 7 8 9 255'));
      expect([...(await decodeImage('https://example.test/ok.png', { maxBytes: 100 })).data]).toEqual([7, 8, 9]);
    } finally {
      g.fetch = realFetch;
    }
  });

  it('decodeAll skips bad files and keeps order', async () => {
    const { images, failures } = await decodeAll([new File([fake('FAKE 1 1 1 2 3 4')], 'a.png'), new File([fake('bad')], 'b.png'), fake('FAKE 1 1 5 6 7 8')]);
    expect(images.map((i) => (i ? [...i.data] : null))).toEqual([[1, 2, 3], null, [5, 6, 7]]);
    expect(failures.map((f) => f.source)).toEqual(['b.png']);
  });
});
