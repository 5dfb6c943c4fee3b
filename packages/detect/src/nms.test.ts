import { describe, expect, it } from 'vitest';
import { iou, nonMaxSuppression, type Corners } from './nms';

describe('iou', () => {
  it('matches hand-computed overlaps', () => {
    expect(iou([0, 0, 2, 2], [0, 0, 2, 2])).toBe(1);
    expect(iou([0, 0, 2, 2], [0, 1, 2, 3])).toBeCloseTo(2 / 6, 12); // half overlap: 2 / (4 + 4 − 2)
    expect(iou([0, 0, 1, 1], [2, 2, 3, 3])).toBe(0);
    expect(iou([2, 2, 0, 0], [0, 0, 1, 1])).toBeCloseTo(1 / 4, 12); // corner order normalised
    expect(iou([0, 0, 0, 1], [0, 0, 1, 1])).toBe(0); // degenerate
  });
});

describe('nonMaxSuppression', () => {
  const boxes: Corners[] = [
    [0, 0, 10, 10],
    [0, 1, 10, 11], // IoU 9/11 with box 0
    [20, 20, 30, 30],
    [0, 5, 10, 15], // IoU 1/3 with box 0
  ];
  it('keeps the best of each overlapping group, best first', () => {
    expect(nonMaxSuppression(boxes, [0.8, 0.9, 0.5, 0.7], 0.5)).toEqual([1, 3, 2]);
  });
  it('uses IoU > threshold to suppress (equal is kept)', () => {
    expect(nonMaxSuppression([boxes[0]!, boxes[3]!], [0.9, 0.8], 1 / 3 + 1e-12)).toEqual([0, 1]);
    expect(nonMaxSuppression([boxes[0]!, boxes[3]!], [0.9, 0.8], 0.3)).toEqual([0]);
  });
  it('caps the output', () => {
    expect(nonMaxSuppression(boxes, [0.8, 0.9, 0.5, 0.7], 0.5, 2)).toEqual([1, 3]);
    expect(nonMaxSuppression([], [], 0.5)).toEqual([]);
  });
});
