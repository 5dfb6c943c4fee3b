/**
 * A procedural, left–right symmetric 68-point 3D face (x right, y down, z toward the
 * viewer, inter-ocular distance 1) built from curves: a stand-in shape for tests and demos
 * that needs no data, and the ground truth that synthetic views are projected from.
 */
export function syntheticFace(): Float64Array {
  const p = new Float64Array(68 * 3);
  const put = (i: number, x: number, y: number, z: number): void => {
    p[3 * i] = x;
    p[3 * i + 1] = y;
    p[3 * i + 2] = z;
  };
  for (let i = 0; i <= 16; i++) {
    const t = (Math.PI * i) / 16;
    put(i, -0.9 * Math.cos(t), -0.25 + 1.2 * Math.sin(t), -0.6 + 0.5 * Math.sin(t));
  }
  for (let i = 0; i < 5; i++) {
    const x = -0.75 + 0.15 * i;
    const arch = 0.08 * Math.sin((Math.PI * (i + 0.5)) / 5);
    put(17 + i, x, -0.55 - arch, 0.2 - 0.3 * x * x);
    put(26 - i, -x, -0.55 - arch, 0.2 - 0.3 * x * x);
  }
  for (let i = 0; i < 4; i++) put(27 + i, 0, -0.35 + 0.15 * i, 0.25 + 0.1 * i);
  for (let i = 0; i < 5; i++) {
    const x = -0.18 + 0.09 * i;
    put(31 + i, x, 0.18 + 0.02 * Math.abs(i - 2), 0.4 - 0.5 * Math.abs(x));
  }
  const eye: Array<[number, number]> = [[-0.68, -0.3], [-0.57, -0.36], [-0.43, -0.36], [-0.32, -0.3], [-0.43, -0.25], [-0.57, -0.25]];
  // Right eye order: 42 inner corner, 43–44 upper lid, 45 outer corner, 46–47 lower lid.
  const rightFromLeft = [3, 2, 1, 0, 5, 4];
  eye.forEach(([x, y], k) => put(36 + k, x, y, 0.15));
  rightFromLeft.forEach((k, j) => put(42 + j, -eye[k]![0], eye[k]![1], 0.15));
  for (let i = 0; i < 12; i++) {
    const phi = Math.PI - (i * Math.PI) / 6;
    const x = 0.4 * Math.cos(phi);
    put(48 + i, x, 0.45 - 0.15 * Math.sin(phi), 0.25 - 0.3 * x * x);
  }
  for (let i = 0; i < 8; i++) {
    const phi = Math.PI - (i * Math.PI) / 4;
    const x = 0.3 * Math.cos(phi);
    put(60 + i, x, 0.45 - 0.05 * Math.sin(phi), 0.22 - 0.3 * x * x);
  }
  return p;
}
