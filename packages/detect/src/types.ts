/** A face box in image pixels, top-left origin. */
export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ScoredBox {
  box: FaceBox;
  /** Detector confidence in (0, 1). */
  score: number;
}

export interface DetectedFace extends ScoredBox {
  /** 68 points (iBUG / dlib order) as 136 values x0, y0, x1, y1, … in image pixels. */
  landmarks: Float32Array;
}
