import { describe, expect, it } from 'vitest';
import { chiSquareDistance, cosineSimilarity } from '@deepface-ts/metrics';
import { closedSetLists, openSetLists, scoreMatrix, type Person } from './identification';

// A synthetic people list shaped like LFW's: many people with one image, fewer with several.
const people: Person[] = Array.from({ length: 400 }, (_, i) => ({ name: `P${String(i).padStart(3, '0')}`, images: i % 4 === 0 ? 2 + (i % 7) : 1 }));

describe('closedSetLists', () => {
  const sizes = { galleryIdentities: 250, probes: 120 };
  it('has the requested sizes; every probe identity is enrolled; probes never repeat the gallery image', () => {
    const { gallery, probes } = closedSetLists(people, 7, sizes);
    expect(gallery.length).toBe(250);
    expect(new Set(gallery.map((g) => g.name)).size).toBe(250);
    expect(probes.length).toBe(120);
    const galleryImage = new Map(gallery.map((g) => [g.name, g.index]));
    for (const p of probes) {
      expect(galleryImage.has(p.name)).toBe(true);
      expect(p.index).not.toBe(galleryImage.get(p.name));
    }
  });
  it('is reproducible for a seed and differs across seeds', () => {
    expect(closedSetLists(people, 7, sizes)).toEqual(closedSetLists([...people].reverse(), 7, sizes));
    expect(closedSetLists(people, 8, sizes)).not.toEqual(closedSetLists(people, 7, sizes));
  });
  it('too few people → clear error', () => {
    expect(() => closedSetLists(people.slice(0, 10), 1, sizes)).toThrow(/closed set needs 120 probes and 250 gallery identities/);
  });
});

describe('openSetLists', () => {
  const sizes = { galleryIdentities: 40, genuineProbes: 40, impostorProbes: 200 };
  it('one genuine probe per gallery identity, impostors never enrolled', () => {
    const { gallery, probes, genuine } = openSetLists(people, 3, sizes);
    expect(gallery.length).toBe(40);
    expect(genuine).toBe(40);
    expect(probes.length).toBe(240);
    const enrolled = new Map(gallery.map((g) => [g.name, g.index]));
    probes.slice(0, 40).forEach((p) => {
      expect(enrolled.has(p.name)).toBe(true);
      expect(p.index).not.toBe(enrolled.get(p.name));
    });
    probes.slice(40).forEach((p) => expect(enrolled.has(p.name)).toBe(false));
    expect(new Set(probes.slice(40).map((p) => `${p.name}/${p.index}`)).size).toBe(200);
  });
});

describe('scoreMatrix', () => {
  it('equals −χ² (or cosine) entry by entry across probe blocks; a missing descriptor scores lowest', () => {
    let s = 5;
    const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const row = () => Float32Array.from({ length: 13 }, () => (rand() < 0.4 ? 0 : rand()));
    const probes = Array.from({ length: 11 }, row) as (Float32Array | undefined)[]; // 11 > one block of 8
    probes[9] = undefined;
    const gallery = Array.from({ length: 5 }, row);
    const m = scoreMatrix(probes, gallery, 'test');
    for (let i = 0; i < 11; i++) {
      for (let j = 0; j < 5; j++) {
        if (i === 9) expect(m[i * 5 + j]).toBeCloseTo(-3.4e38, -33);
        else expect(m[i * 5 + j]).toBeCloseTo(-chiSquareDistance(Array.from(probes[i]!), Array.from(gallery[j]!)), 5);
      }
    }
    // Cosine, for descriptors with signed values.
    const c = scoreMatrix(probes, gallery, 'test', 'cosine');
    expect(c[9 * 5]).toBeCloseTo(-3.4e38, -33);
    for (const [i, j] of [[0, 0], [10, 4], [3, 2]] as const) expect(c[i * 5 + j]).toBeCloseTo(cosineSimilarity(probes[i]!, gallery[j]!), 6);
  });
});
