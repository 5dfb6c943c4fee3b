/*
 * WASM SIMD kernels for @deepface-ts/kernels: LocallyConnected2D (forward, input gradient,
 * weight gradient) and Conv2DBackpropFilter, all NHWC float32.
 *
 * This module imports the tfjs wasm backend's own WebAssembly.Memory (linked with
 * --import-memory) and works directly on its tensors' heap offsets, so nothing is copied.
 * Because that memory belongs to emscripten, the module must not own any part of it:
 * there are no globals with storage and no static data (scripts/build-wasm.mjs fails the
 * build if a data section appears), and nothing takes the address of a local, so the
 * shadow stack is never touched. The JS side still points __stack_pointer into a block
 * it allocates with the backend's malloc, as a safety net.
 *
 * Layouts (row-major):
 *   x   [B, H, W, C]          input
 *   w   [OH, OW, K, OC]       locally connected weights, K = kH*kW*C in (ky, kx, c) order
 *   b   [OH, OW, OC]          bias
 *   y   [B, OH, OW, OC]       output
 * Each output position's filter bank w[oy, ox] is one contiguous K x OC matrix, and for a
 * fixed ky the patch row (kx, c) is contiguous in x, so every inner loop below streams two
 * contiguous arrays.
 *
 * Register blocking: x86-64 gives V8 16 xmm registers, so micro-kernels keep at most 8-12
 * f32x4 accumulators live (4 rows x 8 columns) to avoid spills. WASM SIMD has no fused
 * multiply-add, so each step is a mul and an add.
 */
#include <stddef.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name))) __attribute__((visibility("default")))
#define LOAD(p) wasm_v128_load((const void *)(p))
#define STORE(p, v) wasm_v128_store((void *)(p), (v))
#define SPLAT(p) wasm_v128_load32_splat((const void *)(p))
#define MADD(acc, a, b) acc = wasm_f32x4_add(acc, wasm_f32x4_mul((a), (b)))

static inline float hsum4(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) +
         wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3);
}

/* Sum of each of four vectors, as one vector [sum(a), sum(b), sum(c), sum(d)]. */
static inline v128_t hsum4x4(v128_t a, v128_t b, v128_t c, v128_t d) {
  v128_t ab_lo = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5);
  v128_t ab_hi = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7);
  v128_t cd_lo = wasm_i32x4_shuffle(c, d, 0, 4, 1, 5);
  v128_t cd_hi = wasm_i32x4_shuffle(c, d, 2, 6, 3, 7);
  v128_t ab = wasm_f32x4_add(ab_lo, ab_hi); /* a0+a2 b0+b2 a1+a3 b1+b3 */
  v128_t cd = wasm_f32x4_add(cd_lo, cd_hi);
  return wasm_f32x4_add(wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5), wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7));
}

static void zero_floats(float *p, size_t n) {
  size_t i = 0;
  v128_t z = wasm_f32x4_splat(0.0f);
  for (; i + 4 <= n; i += 4) STORE(p + i, z);
  for (; i < n; i++) p[i] = 0.0f;
}

/* ------------------------------------------------------------------------------------ */
/* LocallyConnected2D forward                                                            */
/* ------------------------------------------------------------------------------------ */

/*
 * One batch row, 16 output channels: a pure weight stream (the batch-1 case). Two k steps
 * per iteration give 8 independent accumulators, enough to hide the add latency so the
 * loop runs at memory speed.
 */
static void fwd_1x16(const float *xp, size_t xRow, int kH, int seg, const float *wp, int OC,
                     const float *bias, float *y) {
  v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0, c0 = a0, c1 = a0, c2 = a0, c3 = a0;
  for (int ky = 0; ky < kH; ky++) {
    const float *xr = xp + ky * xRow;
    const float *wk = wp + (size_t)ky * seg * OC;
    int t = 0;
    for (; t + 2 <= seg; t += 2) {
      v128_t s = SPLAT(xr + t), u = SPLAT(xr + t + 1);
      const float *w0 = wk + (size_t)t * OC, *w1 = w0 + OC;
      MADD(a0, s, LOAD(w0)); MADD(a1, s, LOAD(w0 + 4)); MADD(a2, s, LOAD(w0 + 8)); MADD(a3, s, LOAD(w0 + 12));
      MADD(c0, u, LOAD(w1)); MADD(c1, u, LOAD(w1 + 4)); MADD(c2, u, LOAD(w1 + 8)); MADD(c3, u, LOAD(w1 + 12));
    }
    for (; t < seg; t++) {
      v128_t s = SPLAT(xr + t);
      const float *w0 = wk + (size_t)t * OC;
      MADD(a0, s, LOAD(w0)); MADD(a1, s, LOAD(w0 + 4)); MADD(a2, s, LOAD(w0 + 8)); MADD(a3, s, LOAD(w0 + 12));
    }
  }
  a0 = wasm_f32x4_add(a0, c0); a1 = wasm_f32x4_add(a1, c1); a2 = wasm_f32x4_add(a2, c2); a3 = wasm_f32x4_add(a3, c3);
  if (bias) {
    a0 = wasm_f32x4_add(a0, LOAD(bias)); a1 = wasm_f32x4_add(a1, LOAD(bias + 4));
    a2 = wasm_f32x4_add(a2, LOAD(bias + 8)); a3 = wasm_f32x4_add(a3, LOAD(bias + 12));
  }
  STORE(y, a0); STORE(y + 4, a1); STORE(y + 8, a2); STORE(y + 12, a3);
}

/* One batch row, 4 output channels. */
static void fwd_1x4(const float *xp, size_t xRow, int kH, int seg, const float *wp, int OC,
                    const float *bias, float *y) {
  v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
  for (int ky = 0; ky < kH; ky++) {
    const float *xr = xp + ky * xRow;
    const float *wk = wp + (size_t)ky * seg * OC;
    int t = 0;
    for (; t + 4 <= seg; t += 4) {
      const float *w0 = wk + (size_t)t * OC;
      MADD(a0, SPLAT(xr + t), LOAD(w0)); MADD(a1, SPLAT(xr + t + 1), LOAD(w0 + OC));
      MADD(a2, SPLAT(xr + t + 2), LOAD(w0 + 2 * OC)); MADD(a3, SPLAT(xr + t + 3), LOAD(w0 + 3 * OC));
    }
    for (; t < seg; t++) MADD(a0, SPLAT(xr + t), LOAD(wk + (size_t)t * OC));
  }
  v128_t s = wasm_f32x4_add(wasm_f32x4_add(a0, a1), wasm_f32x4_add(a2, a3));
  if (bias) s = wasm_f32x4_add(s, LOAD(bias));
  STORE(y, s);
}

/* One batch row, one output channel (channel counts that are not a multiple of 4). */
static void fwd_1x1(const float *xp, size_t xRow, int kH, int seg, const float *wp, int OC,
                    const float *bias, float *y) {
  float acc = 0.0f;
  for (int ky = 0; ky < kH; ky++) {
    const float *xr = xp + ky * xRow;
    const float *wk = wp + (size_t)ky * seg * OC;
    for (int t = 0; t < seg; t++) acc += xr[t] * wk[(size_t)t * OC];
  }
  *y = acc + (bias ? *bias : 0.0f);
}

/*
 * Four batch rows x 8 output channels: each weight pair loaded once feeds 4 rows, 8
 * accumulators. This is the compute-bound batch-32 path.
 */
static void fwd_4x8(const float *xp, size_t xImg, size_t xRow, int kH, int seg, const float *wp,
                    int OC, const float *bias, float *y, size_t yImg) {
  v128_t a00 = wasm_f32x4_splat(0), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
  for (int ky = 0; ky < kH; ky++) {
    const float *x0 = xp + ky * xRow, *x1 = x0 + xImg, *x2 = x1 + xImg, *x3 = x2 + xImg;
    const float *wk = wp + (size_t)ky * seg * OC;
    for (int t = 0; t < seg; t++) {
      const float *wt = wk + (size_t)t * OC;
      v128_t w0 = LOAD(wt), w1 = LOAD(wt + 4);
      v128_t s0 = SPLAT(x0 + t), s1 = SPLAT(x1 + t), s2 = SPLAT(x2 + t), s3 = SPLAT(x3 + t);
      MADD(a00, s0, w0); MADD(a01, s0, w1);
      MADD(a10, s1, w0); MADD(a11, s1, w1);
      MADD(a20, s2, w0); MADD(a21, s2, w1);
      MADD(a30, s3, w0); MADD(a31, s3, w1);
    }
  }
  if (bias) {
    v128_t b0 = LOAD(bias), b1 = LOAD(bias + 4);
    a00 = wasm_f32x4_add(a00, b0); a01 = wasm_f32x4_add(a01, b1);
    a10 = wasm_f32x4_add(a10, b0); a11 = wasm_f32x4_add(a11, b1);
    a20 = wasm_f32x4_add(a20, b0); a21 = wasm_f32x4_add(a21, b1);
    a30 = wasm_f32x4_add(a30, b0); a31 = wasm_f32x4_add(a31, b1);
  }
  STORE(y, a00); STORE(y + 4, a01);
  STORE(y + yImg, a10); STORE(y + yImg + 4, a11);
  STORE(y + 2 * yImg, a20); STORE(y + 2 * yImg + 4, a21);
  STORE(y + 3 * yImg, a30); STORE(y + 3 * yImg + 4, a31);
}

/* Four batch rows x 4 output channels. */
static void fwd_4x4(const float *xp, size_t xImg, size_t xRow, int kH, int seg, const float *wp,
                    int OC, const float *bias, float *y, size_t yImg) {
  v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
  for (int ky = 0; ky < kH; ky++) {
    const float *x0 = xp + ky * xRow, *x1 = x0 + xImg, *x2 = x1 + xImg, *x3 = x2 + xImg;
    const float *wk = wp + (size_t)ky * seg * OC;
    for (int t = 0; t < seg; t++) {
      v128_t w0 = LOAD(wk + (size_t)t * OC);
      MADD(a0, SPLAT(x0 + t), w0); MADD(a1, SPLAT(x1 + t), w0);
      MADD(a2, SPLAT(x2 + t), w0); MADD(a3, SPLAT(x3 + t), w0);
    }
  }
  if (bias) {
    v128_t b0 = LOAD(bias);
    a0 = wasm_f32x4_add(a0, b0); a1 = wasm_f32x4_add(a1, b0); a2 = wasm_f32x4_add(a2, b0); a3 = wasm_f32x4_add(a3, b0);
  }
  STORE(y, a0); STORE(y + yImg, a1); STORE(y + 2 * yImg, a2); STORE(y + 3 * yImg, a3);
}

EXPORT(lc_forward)
void lc_forward(const float *x, const float *w, const float *bias, float *y, int B, int H, int W, int C,
                int kH, int kW, int sH, int sW, int OH, int OW, int OC) {
  const int seg = kW * C, K = kH * seg;
  const size_t xRow = (size_t)W * C, xImg = (size_t)H * xRow, yImg = (size_t)OH * OW * OC;
  for (int oy = 0; oy < OH; oy++) {
    for (int ox = 0; ox < OW; ox++) {
      const size_t p = (size_t)oy * OW + ox;
      const float *wp = w + p * K * OC;
      const float *bp = bias ? bias + p * OC : 0;
      const float *xp = x + (size_t)oy * sH * xRow + (size_t)ox * sW * C;
      float *yp = y + p * OC;
      int b = 0;
      for (; b + 4 <= B; b += 4) {
        const float *xb = xp + b * xImg;
        float *yb = yp + b * yImg;
        int oc = 0;
        for (; oc + 8 <= OC; oc += 8) fwd_4x8(xb, xImg, xRow, kH, seg, wp + oc, OC, bp ? bp + oc : 0, yb + oc, yImg);
        for (; oc + 4 <= OC; oc += 4) fwd_4x4(xb, xImg, xRow, kH, seg, wp + oc, OC, bp ? bp + oc : 0, yb + oc, yImg);
        for (; oc < OC; oc++)
          for (int r = 0; r < 4; r++)
            fwd_1x1(xb + r * xImg, xRow, kH, seg, wp + oc, OC, bp ? bp + oc : 0, yb + r * yImg + oc);
      }
      for (; b < B; b++) {
        const float *xb = xp + b * xImg;
        float *yb = yp + b * yImg;
        int oc = 0;
        for (; oc + 16 <= OC; oc += 16) fwd_1x16(xb, xRow, kH, seg, wp + oc, OC, bp ? bp + oc : 0, yb + oc);
        for (; oc + 4 <= OC; oc += 4) fwd_1x4(xb, xRow, kH, seg, wp + oc, OC, bp ? bp + oc : 0, yb + oc);
        for (; oc < OC; oc++) fwd_1x1(xb, xRow, kH, seg, wp + oc, OC, bp ? bp + oc : 0, yb + oc);
      }
    }
  }
}

/* ------------------------------------------------------------------------------------ */
/* LocallyConnected2D input gradient: dx[b, patch(p)] += W[p] . dy[b, p]                 */
/* ------------------------------------------------------------------------------------ */

/* dot(dy[0:OC], w[0:OC]) for a row of w. */
static inline float dot_row(const float *dy, const float *w, int OC) {
  v128_t a = wasm_f32x4_splat(0);
  int j = 0;
  for (; j + 4 <= OC; j += 4) MADD(a, LOAD(dy + j), LOAD(w + j));
  float s = hsum4(a);
  for (; j < OC; j++) s += dy[j] * w[j];
  return s;
}

EXPORT(lc_backprop_input)
void lc_backprop_input(const float *dy, const float *w, float *dx, int B, int H, int W, int C, int kH, int kW,
                       int sH, int sW, int OH, int OW, int OC) {
  const int seg = kW * C, K = kH * seg;
  const size_t xRow = (size_t)W * C, xImg = (size_t)H * xRow, yImg = (size_t)OH * OW * OC;
  zero_floats(dx, (size_t)B * xImg);
  const int oc4 = OC & ~3;
  for (int oy = 0; oy < OH; oy++) {
    for (int ox = 0; ox < OW; ox++) {
      const size_t p = (size_t)oy * OW + ox;
      const float *wp = w + p * K * OC;
      for (int b = 0; b < B; b++) {
        const float *dyb = dy + b * yImg + p * OC;
        float *dxp = dx + b * xImg + (size_t)oy * sH * xRow + (size_t)ox * sW * C;
        for (int ky = 0; ky < kH; ky++) {
          float *dxr = dxp + ky * xRow;
          const float *wk = wp + (size_t)ky * seg * OC;
          int t = 0;
          /* Four weight rows at a time, reduced together with one transpose. */
          for (; t + 4 <= seg; t += 4) {
            const float *w0 = wk + (size_t)t * OC, *w1 = w0 + OC, *w2 = w1 + OC, *w3 = w2 + OC;
            v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
            for (int j = 0; j < oc4; j += 4) {
              v128_t d = LOAD(dyb + j);
              MADD(a0, d, LOAD(w0 + j)); MADD(a1, d, LOAD(w1 + j));
              MADD(a2, d, LOAD(w2 + j)); MADD(a3, d, LOAD(w3 + j));
            }
            v128_t s = hsum4x4(a0, a1, a2, a3);
            if (oc4 != OC) {
              float e0 = 0, e1 = 0, e2 = 0, e3 = 0;
              for (int j = oc4; j < OC; j++) {
                e0 += dyb[j] * w0[j]; e1 += dyb[j] * w1[j]; e2 += dyb[j] * w2[j]; e3 += dyb[j] * w3[j];
              }
              s = wasm_f32x4_add(s, wasm_f32x4_make(e0, e1, e2, e3));
            }
            STORE(dxr + t, wasm_f32x4_add(LOAD(dxr + t), s));
          }
          for (; t < seg; t++) dxr[t] += dot_row(dyb, wk + (size_t)t * OC, OC);
        }
      }
    }
  }
}

/* ------------------------------------------------------------------------------------ */
/* LocallyConnected2D weight gradient: dW[p] = patches(p)^T . dy[:, p]                  */
/* ------------------------------------------------------------------------------------ */

/* dW rows t..t+3 (4 consecutive k of one ky segment) x 8 channels, summed over the batch. */
static void wgrad_4x8(const float *xk, size_t xImg, const float *dyp, size_t yImg, int B, float *dw, int OC) {
  v128_t a00 = wasm_f32x4_splat(0), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
  for (int b = 0; b < B; b++) {
    const float *xb = xk + b * xImg;
    const float *d = dyp + b * yImg;
    v128_t d0 = LOAD(d), d1 = LOAD(d + 4);
    v128_t s0 = SPLAT(xb), s1 = SPLAT(xb + 1), s2 = SPLAT(xb + 2), s3 = SPLAT(xb + 3);
    MADD(a00, s0, d0); MADD(a01, s0, d1);
    MADD(a10, s1, d0); MADD(a11, s1, d1);
    MADD(a20, s2, d0); MADD(a21, s2, d1);
    MADD(a30, s3, d0); MADD(a31, s3, d1);
  }
  STORE(dw, a00); STORE(dw + 4, a01);
  STORE(dw + OC, a10); STORE(dw + OC + 4, a11);
  STORE(dw + 2 * OC, a20); STORE(dw + 2 * OC + 4, a21);
  STORE(dw + 3 * OC, a30); STORE(dw + 3 * OC + 4, a31);
}

/* One k row x 4 channels. */
static void wgrad_1x4(const float *xk, size_t xImg, const float *dyp, size_t yImg, int B, float *dw) {
  v128_t a0 = wasm_f32x4_splat(0), a1 = a0;
  int b = 0;
  for (; b + 2 <= B; b += 2) {
    MADD(a0, SPLAT(xk + b * xImg), LOAD(dyp + b * yImg));
    MADD(a1, SPLAT(xk + (b + 1) * xImg), LOAD(dyp + (b + 1) * yImg));
  }
  for (; b < B; b++) MADD(a0, SPLAT(xk + b * xImg), LOAD(dyp + b * yImg));
  STORE(dw, wasm_f32x4_add(a0, a1));
}

EXPORT(lc_backprop_filter)
void lc_backprop_filter(const float *x, const float *dy, float *dw, int B, int H, int W, int C, int kH, int kW,
                        int sH, int sW, int OH, int OW, int OC) {
  const int seg = kW * C, K = kH * seg;
  const size_t xRow = (size_t)W * C, xImg = (size_t)H * xRow, yImg = (size_t)OH * OW * OC;
  for (int oy = 0; oy < OH; oy++) {
    for (int ox = 0; ox < OW; ox++) {
      const size_t p = (size_t)oy * OW + ox;
      float *dwp = dw + p * K * OC;
      const float *dyp = dy + p * OC;
      const float *xp = x + (size_t)oy * sH * xRow + (size_t)ox * sW * C;
      for (int ky = 0; ky < kH; ky++) {
        const float *xr = xp + ky * xRow;
        float *dwk = dwp + (size_t)ky * seg * OC;
        int t = 0;
        for (; t + 4 <= seg; t += 4) {
          int oc = 0;
          for (; oc + 8 <= OC; oc += 8) wgrad_4x8(xr + t, xImg, dyp + oc, yImg, B, dwk + (size_t)t * OC + oc, OC);
          for (; oc + 4 <= OC; oc += 4)
            for (int r = 0; r < 4; r++) wgrad_1x4(xr + t + r, xImg, dyp + oc, yImg, B, dwk + (size_t)(t + r) * OC + oc);
          for (; oc < OC; oc++)
            for (int r = 0; r < 4; r++) {
              float s = 0;
              for (int b = 0; b < B; b++) s += xr[t + r + b * xImg] * dyp[b * yImg + oc];
              dwk[(size_t)(t + r) * OC + oc] = s;
            }
        }
        for (; t < seg; t++) {
          int oc = 0;
          for (; oc + 4 <= OC; oc += 4) wgrad_1x4(xr + t, xImg, dyp + oc, yImg, B, dwk + (size_t)t * OC + oc);
          for (; oc < OC; oc++) {
            float s = 0;
            for (int b = 0; b < B; b++) s += xr[t + b * xImg] * dyp[b * yImg + oc];
            dwk[(size_t)t * OC + oc] = s;
          }
        }
      }
    }
  }
}

/* ------------------------------------------------------------------------------------ */
/* Conv2DBackpropFilter (NHWC, dilation 1):                                              */
/*   dW[ky, kx, ci, co] = sum_{b, oy, ox} x[b, oy*sH+ky-pt, ox*sW+kx-pl, ci] dy[b, oy, ox, co] */
/* The reduction runs one output row (b, oy) at a time: the dy row tile (OW x Co) and the */
/* input row stay in L1 while every (k, co) block sweeps across it.                      */
/* ------------------------------------------------------------------------------------ */

/* Range [lo, hi) of ox for which ix = ox*sW + kx - pl lies inside [0, W). */
static inline void valid_ox(int kx, int pl, int sW, int W, int OW, int *lo, int *hi) {
  int l = 0;
  /* smallest ox with ox*sW >= pl - kx */
  int need = pl - kx;
  if (need > 0) l = (need + sW - 1) / sW;
  /* largest ox with ox*sW + kx - pl <= W - 1 */
  int lim = W - 1 - kx + pl;
  int h = lim < 0 ? 0 : lim / sW + 1;
  if (h > OW) h = OW;
  if (l > h) l = h;
  *lo = l;
  *hi = h;
}

/* Intersection of the valid ox ranges of k = t..t+3 (kx = k / Ci). */
static inline void common_ox(int t, int Ci, int pl, int sW, int W, int OW, int *lo, int *hi) {
  int l0, h0, l1, h1;
  valid_ox(t / Ci, pl, sW, W, OW, &l0, &h0);
  valid_ox((t + 3) / Ci, pl, sW, W, OW, &l1, &h1);
  /* kx grows with k, so the first k bounds the upper end and the last k the lower end */
  int l = l0 > l1 ? l0 : l1, h = h0 < h1 ? h0 : h1;
  if (h < l) h = l;
  *lo = l;
  *hi = h;
}

static inline float cwgrad_1x1(const float *xs, int step, const float *dyr, int Co, int lo, int hi);
static inline void cwgrad_1x4(const float *xs, int step, const float *dyr, int Co, int lo, int hi, float *dw);

/* The columns of k's own valid range that lie outside [lo, hi). */
static void cwgrad_border(const float *xs, int step, const float *dyr, int Co, int k, int Ci, int pl, int sW, int W,
                          int OW, int lo, int hi, float *dwrow) {
  int lk, hk;
  valid_ox(k / Ci, pl, sW, W, OW, &lk, &hk);
  for (int q = 0; q < 2; q++) {
    const int a = q == 0 ? lk : (hi > lk ? hi : lk);
    const int e = q == 0 ? (lo < hk ? lo : hk) : hk;
    if (a >= e) continue;
    int co = 0;
    for (; co + 4 <= Co; co += 4) cwgrad_1x4(xs, step, dyr + co, Co, a, e, dwrow + co);
    for (; co < Co; co++) dwrow[co] += cwgrad_1x1(xs, step, dyr + co, Co, a, e);
  }
}

/* Adds sum over ox in [lo, hi) of xrow[ox*step] * dyrow[ox*Co + 0..3] into dw[0..3]. */
static inline void cwgrad_1x4(const float *xs, int step, const float *dyr, int Co, int lo, int hi, float *dw) {
  v128_t a0 = wasm_f32x4_splat(0), a1 = a0;
  int ox = lo;
  for (; ox + 2 <= hi; ox += 2) {
    MADD(a0, SPLAT(xs + (size_t)ox * step), LOAD(dyr + (size_t)ox * Co));
    MADD(a1, SPLAT(xs + (size_t)(ox + 1) * step), LOAD(dyr + (size_t)(ox + 1) * Co));
  }
  for (; ox < hi; ox++) MADD(a0, SPLAT(xs + (size_t)ox * step), LOAD(dyr + (size_t)ox * Co));
  STORE(dw, wasm_f32x4_add(LOAD(dw), wasm_f32x4_add(a0, a1)));
}

static inline float cwgrad_1x1(const float *xs, int step, const float *dyr, int Co, int lo, int hi) {
  float s = 0;
  for (int ox = lo; ox < hi; ox++) s += xs[(size_t)ox * step] * dyr[(size_t)ox * Co];
  return s;
}

EXPORT(conv2d_backprop_filter)
void conv2d_backprop_filter(const float *x, const float *dy, float *dw, int B, int H, int W, int Ci, int kH, int kW,
                            int sH, int sW, int pt, int pl, int OH, int OW, int Co) {
  const int seg = kW * Ci;
  const size_t xRow = (size_t)W * Ci;
  const int step = sW * Ci; /* distance in x between consecutive ox for one (kx, ci) */
  zero_floats(dw, (size_t)kH * seg * Co);
  for (int b = 0; b < B; b++) {
    for (int oy = 0; oy < OH; oy++) {
      const float *dyr = dy + ((size_t)b * OH + oy) * OW * Co;
      for (int ky = 0; ky < kH; ky++) {
        const int iy = oy * sH + ky - pt;
        if (iy < 0 || iy >= H) continue;
        /* xs(t) points at the x value for ox = 0 (possibly outside the row: only indexed in range) */
        const float *xrow = x + ((size_t)b * H + iy) * xRow - (ptrdiff_t)pl * Ci;
        float *dwk = dw + (size_t)ky * seg * Co;
        int t = 0;
        for (; t + 4 <= seg; t += 4) {
          /* the 4 k's may straddle two kx values: use the common ox range for the blocked
             loop and finish the few border columns one k at a time */
          int lo, hi;
          common_ox(t, Ci, pl, sW, W, OW, &lo, &hi);
          const float *xs = xrow + t;
          int co = 0;
          for (; co + 8 <= Co; co += 8) {
            v128_t a00 = wasm_f32x4_splat(0), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
            for (int ox = lo; ox < hi; ox++) {
              const float *xo = xs + (size_t)ox * step;
              const float *d = dyr + (size_t)ox * Co + co;
              v128_t d0 = LOAD(d), d1 = LOAD(d + 4);
              v128_t s0 = SPLAT(xo), s1 = SPLAT(xo + 1), s2 = SPLAT(xo + 2), s3 = SPLAT(xo + 3);
              MADD(a00, s0, d0); MADD(a01, s0, d1);
              MADD(a10, s1, d0); MADD(a11, s1, d1);
              MADD(a20, s2, d0); MADD(a21, s2, d1);
              MADD(a30, s3, d0); MADD(a31, s3, d1);
            }
            float *o = dwk + (size_t)t * Co + co;
            STORE(o, wasm_f32x4_add(LOAD(o), a00)); STORE(o + 4, wasm_f32x4_add(LOAD(o + 4), a01));
            o += Co;
            STORE(o, wasm_f32x4_add(LOAD(o), a10)); STORE(o + 4, wasm_f32x4_add(LOAD(o + 4), a11));
            o += Co;
            STORE(o, wasm_f32x4_add(LOAD(o), a20)); STORE(o + 4, wasm_f32x4_add(LOAD(o + 4), a21));
            o += Co;
            STORE(o, wasm_f32x4_add(LOAD(o), a30)); STORE(o + 4, wasm_f32x4_add(LOAD(o + 4), a31));
          }
          for (; co + 4 <= Co; co += 4)
            for (int r = 0; r < 4; r++) cwgrad_1x4(xs + r, step, dyr + co, Co, lo, hi, dwk + (size_t)(t + r) * Co + co);
          for (; co < Co; co++)
            for (int r = 0; r < 4; r++) dwk[(size_t)(t + r) * Co + co] += cwgrad_1x1(xs + r, step, dyr + co, Co, lo, hi);
          /* border columns outside the common range, one k at a time */
          for (int r = 0; r < 4; r++) cwgrad_border(xs + r, step, dyr, Co, t + r, Ci, pl, sW, W, OW, lo, hi, dwk + (size_t)(t + r) * Co);
        }
        for (; t < seg; t++) {
          int lo, hi;
          valid_ox(t / Ci, pl, sW, W, OW, &lo, &hi);
          const float *xs = xrow + t;
          int co = 0;
          for (; co + 4 <= Co; co += 4) cwgrad_1x4(xs, step, dyr + co, Co, lo, hi, dwk + (size_t)t * Co + co);
          for (; co < Co; co++) dwk[(size_t)t * Co + co] += cwgrad_1x1(xs, step, dyr + co, Co, lo, hi);
        }
      }
    }
  }
}

/* ------------------------------------------------------------------------------------ */
/* Load indicator for the benchmark: 12 independent register chains of mul -> add, no    */
/* memory traffic, 96 flops per iteration. On a shared machine it shows how much of a core */
/* the run got; it is not a hard ceiling (the chains are partly latency-bound).            */
/* ------------------------------------------------------------------------------------ */
EXPORT(calibrate_peak)
float calibrate_peak(int iterations) {
  v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
  v128_t a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
  const v128_t m = wasm_f32x4_splat(0.999f), c = wasm_f32x4_splat(0.001f);
  for (int i = 0; i < iterations; i++) {
#define STEP(a) a = wasm_f32x4_add(wasm_f32x4_mul(a, m), c)
    STEP(a0); STEP(a1); STEP(a2); STEP(a3); STEP(a4); STEP(a5);
    STEP(a6); STEP(a7); STEP(a8); STEP(a9); STEP(a10); STEP(a11);
#undef STEP
  }
  v128_t s = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_add(a0, a1), wasm_f32x4_add(a2, a3)),
                            wasm_f32x4_add(wasm_f32x4_add(a4, a5), wasm_f32x4_add(a6, a7)));
  s = wasm_f32x4_add(s, wasm_f32x4_add(wasm_f32x4_add(a8, a9), wasm_f32x4_add(a10, a11)));
  return wasm_f32x4_extract_lane(s, 0);
}
