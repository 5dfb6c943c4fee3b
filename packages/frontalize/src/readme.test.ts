import { describe, expect, it } from 'vitest';
import { createFrontalizer, faceChip, syntheticFace } from './index';

describe('README example', () => {
  it('prints what the README says', () => {
    const shape = syntheticFace();
    const landmarks = new Float64Array(136);
    for (let i = 0; i < 68; i++) {
      const [x, y, z] = [shape[3 * i]!, shape[3 * i + 1]!, shape[3 * i + 2]!];
      landmarks[2 * i] = 120 + 60 * (Math.cos(0.35) * x + Math.sin(0.35) * z);
      landmarks[2 * i + 1] = 120 + 60 * y;
    }
    const photo = { width: 240, height: 240, channels: 3 as const, data: new Uint8Array(240 * 240 * 3).fill(128) };
    const front = createFrontalizer({ shape }).frontalize(photo, landmarks);
    expect([front.image.width, front.pose.yaw.toFixed(1), front.rms.toFixed(6)]).toEqual([152, '20.7', '0.000000']);
  });

  it('prints what the dlib face chip section says', () => {
    const shape = syntheticFace();
    const landmarks = new Float64Array(136);
    const tilt = 0.3;
    for (let i = 0; i < 68; i++) {
      const [x, y] = [shape[3 * i]!, shape[3 * i + 1]!];
      landmarks[2 * i] = 160 + 70 * (Math.cos(tilt) * x - Math.sin(tilt) * y);
      landmarks[2 * i + 1] = 150 + 70 * (Math.sin(tilt) * x + Math.cos(tilt) * y);
    }
    const photo = { width: 320, height: 320, channels: 3 as const, data: new Uint8Array(320 * 320 * 3).fill(128) };
    const { image, details } = faceChip(photo, landmarks);
    expect([image.width, details.angle.toFixed(3), details.scale.toFixed(3)]).toEqual([150, '0.300', '1.048']);
  });
});
