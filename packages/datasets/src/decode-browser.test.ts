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

  it('decodeAll skips bad files and keeps order', async () => {
    const { images, failures } = await decodeAll([new File([fake('FAKE 1 1 1 2 3 4')], 'a.png'), new File([fake('bad')], 'b.png'), fake('FAKE 1 1 5 6 7 8')]);
    expect(images.map((i) => (i ? [...i.data] : null))).toEqual([[1, 2, 3], null, [5, 6, 7]]);
    expect(failures.map((f) => f.source)).toEqual(['b.png']);
  });
});
