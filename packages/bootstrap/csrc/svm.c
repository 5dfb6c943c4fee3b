// Linear SVM by dual coordinate descent (Hsieh et al., ICML 2008; LIBLINEAR's -s 1 / -s 3
// with its shrinking heuristic as an option), in WASM SIMD: the per-coordinate dot product and update are 256-D
// vector ops, which is all the solver does. One-vs-all training of 10⁶ identities is this
// function called 10⁶ times on ~550 × 257 problems.
//
// Rows x̃ (stride floats, a multiple of 4) already carry the bias feature and zero padding.
// Dual: min ½αᵀ(Q + D)α − eᵀα, 0 ≤ αᵢ ≤ Uᵢ, Qᵢⱼ = yᵢyⱼ x̃ᵢ·x̃ⱼ;
//   L1 loss: Uᵢ = Cᵢ, Dᵢᵢ = 0.  L2 loss: Uᵢ = ∞, Dᵢᵢ = 1/(2Cᵢ).
#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))

static inline float dotv(const float *a, const float *b, int32_t n) {
  v128_t s0 = wasm_f32x4_splat(0), s1 = s0;
  int32_t j = 0;
  for (; j + 8 <= n; j += 8) {
    s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(a + j), wasm_v128_load(b + j)));
    s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(wasm_v128_load(a + j + 4), wasm_v128_load(b + j + 4)));
  }
  for (; j < n; j += 4) s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(a + j), wasm_v128_load(b + j)));
  s0 = wasm_f32x4_add(s0, s1);
  return wasm_f32x4_extract_lane(s0, 0) + wasm_f32x4_extract_lane(s0, 1) + wasm_f32x4_extract_lane(s0, 2) +
         wasm_f32x4_extract_lane(s0, 3);
}

static inline void axpy(float *w, const float *x, float a, int32_t n) {
  v128_t av = wasm_f32x4_splat(a);
  for (int32_t j = 0; j < n; j += 4) wasm_v128_store(w + j, wasm_f32x4_add(wasm_v128_load(w + j), wasm_f32x4_mul(av, wasm_v128_load(x + j))));
}

// Returns the passes run; *converged_out = 1 when the projected-gradient gap reached tol.
// Scratch: alpha, qd (n floats each), perm (n int32). w (stride floats) is zeroed here.
EXPORT("svm_dcd")
int32_t svm_dcd(const float *x, const int8_t *y, int32_t n, int32_t stride, float c_pos, float c_neg, int32_t l2loss,
                float tol, int32_t max_iter, uint32_t seed, int32_t shrink, float *w, float *alpha, float *qd,
                int32_t *perm, int32_t *converged_out) {
  for (int32_t j = 0; j < stride; j++) w[j] = 0;
  for (int32_t i = 0; i < n; i++) {
    float c = y[i] > 0 ? c_pos : c_neg;
    float diag = l2loss ? 0.5f / c : 0.0f;
    alpha[i] = 0;
    qd[i] = diag + dotv(x + (int64_t)i * stride, x + (int64_t)i * stride, stride);
    perm[i] = i;
  }
  uint32_t s = seed ? seed : 1;
  int32_t iter = 0;
  *converged_out = 0;
  // LIBLINEAR's shrinking: a variable at a bound whose gradient points outward by more than
  // last pass's extreme projected gradient leaves the active set; at convergence on the
  // active set, everything is put back and checked once more.
  int32_t active = n;
  const float inf = 3.4e38f;
  float pgmax_old = inf, pgmin_old = -inf;
  while (iter < max_iter) {
    for (int32_t i = active - 1; i > 0; i--) {
      s ^= s << 13;
      s ^= s >> 17;
      s ^= s << 5;
      int32_t j = (int32_t)(s % (uint32_t)(i + 1));
      int32_t t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    float pgmax = -inf, pgmin = inf;
    for (int32_t k = 0; k < active; k++) {
      int32_t i = perm[k];
      const float *xi = x + (int64_t)i * stride;
      float yi = (float)y[i];
      float c = yi > 0 ? c_pos : c_neg;
      float diag = l2loss ? 0.5f / c : 0.0f;
      float upper = l2loss ? inf : c;
      float g = yi * dotv(w, xi, stride) - 1.0f + diag * alpha[i];
      float pg = 0;
      if (alpha[i] == 0) {
        if (shrink && g > pgmax_old) {
          active--;
          perm[k] = perm[active];
          perm[active] = i;
          k--;
          continue;
        }
        if (g < 0) pg = g;
      } else if (alpha[i] == upper) {
        if (shrink && g < pgmin_old) {
          active--;
          perm[k] = perm[active];
          perm[active] = i;
          k--;
          continue;
        }
        if (g > 0) pg = g;
      } else {
        pg = g;
      }
      if (pg > pgmax) pgmax = pg;
      if (pg < pgmin) pgmin = pg;
      if (pg > 1e-12f || pg < -1e-12f) {
        float old = alpha[i];
        float a = old - g / qd[i];
        a = a < 0 ? 0 : a > upper ? upper : a;
        alpha[i] = a;
        axpy(w, xi, (a - old) * yi, stride);
      }
    }
    iter++;
    if (pgmax - pgmin <= tol) {
      if (active == n) {
        *converged_out = 1;
        break;
      }
      active = n;
      pgmax_old = inf;
      pgmin_old = -inf;
      continue;
    }
    pgmax_old = pgmax <= 0 ? inf : pgmax;
    pgmin_old = pgmin >= 0 ? -inf : pgmin;
  }
  return iter;
}
