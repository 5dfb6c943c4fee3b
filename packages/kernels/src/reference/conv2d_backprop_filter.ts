/** Plain float64 reference for the NHWC Conv2D filter gradient (dilation 1, explicit padding). */

export interface Conv2DFilterGradGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  filterHeight: number;
  filterWidth: number;
  outChannels: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
  outHeight: number;
  outWidth: number;
}

/** dW[ky, kx, ci, co] = Σ_{b, oy, ox} x[b, oy·sH + ky − padTop, ox·sW + kx − padLeft, ci] · dy[b, oy, ox, co]. */
export function referenceConv2dBackpropFilter(g: Conv2DFilterGradGeometry, x: ArrayLike<number>, dy: ArrayLike<number>): Float64Array {
  const dw = new Float64Array(g.filterHeight * g.filterWidth * g.inChannels * g.outChannels);
  for (let ky = 0; ky < g.filterHeight; ky++) {
    for (let kx = 0; kx < g.filterWidth; kx++) {
      for (let ci = 0; ci < g.inChannels; ci++) {
        for (let co = 0; co < g.outChannels; co++) {
          let sum = 0;
          for (let b = 0; b < g.batch; b++) {
            for (let oy = 0; oy < g.outHeight; oy++) {
              const iy = oy * g.strideHeight + ky - g.padTop;
              if (iy < 0 || iy >= g.inHeight) continue;
              for (let ox = 0; ox < g.outWidth; ox++) {
                const ix = ox * g.strideWidth + kx - g.padLeft;
                if (ix < 0 || ix >= g.inWidth) continue;
                sum +=
                  x[((b * g.inHeight + iy) * g.inWidth + ix) * g.inChannels + ci]! *
                  dy[((b * g.outHeight + oy) * g.outWidth + ox) * g.outChannels + co]!;
              }
            }
          }
          dw[((ky * g.filterWidth + kx) * g.inChannels + ci) * g.outChannels + co] = sum;
        }
      }
    }
  }
  return dw;
}
