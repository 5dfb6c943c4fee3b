// Reference for src/chip.ts: dlib's own get_face_chip_details + extract_image_chip on one
// image. Built and run by dlib-chip-parity.ts (needs a dlib checkout; dlib is Boost-licensed
// and is not part of this repository).
//   in:  "W H size padding\n", 68 lines "x y" (integers: dlib's full_object_detection holds
//        whole-pixel points), then W·H·3 bytes of RGB
//   out: "left top right bottom angle rows cols\n", get_mapping_to_chip "a b c d e f\n", then
//        the chip's rows·cols·3 bytes
#include <dlib/array2d.h>
#include <dlib/image_processing/full_object_detection.h>
#include <dlib/image_transforms.h>
#include <dlib/pixel.h>
#include <cstdio>
#include <vector>

int main(int argc, char** argv) {
  using namespace dlib;
  if (argc != 3) return 64;
  FILE* in = std::fopen(argv[1], "rb");
  if (!in) return 66;
  long w, h, size;
  double padding;
  if (std::fscanf(in, "%ld %ld %ld %lf", &w, &h, &size, &padding) != 4) return 65;
  std::vector<point> parts(68);
  for (auto& p : parts) {
    long x, y;
    if (std::fscanf(in, "%ld %ld", &x, &y) != 2) return 65;
    p = point(x, y);
  }
  std::fgetc(in);
  array2d<rgb_pixel> img(h, w);
  for (long r = 0; r < h; r++) {
    for (long c = 0; c < w; c++) {
      unsigned char px[3];
      if (std::fread(px, 1, 3, in) != 3) return 65;
      img[r][c] = rgb_pixel(px[0], px[1], px[2]);
    }
  }
  std::fclose(in);
  const chip_details cd = get_face_chip_details(full_object_detection(rectangle(0, 0, w - 1, h - 1), parts), size, padding);
  array2d<rgb_pixel> chip;
  extract_image_chip(img, cd, chip);
  const point_transform_affine to_chip = get_mapping_to_chip(cd);
  FILE* out = std::fopen(argv[2], "wb");
  if (!out) return 73;
  std::fprintf(out, "%.17g %.17g %.17g %.17g %.17g %ld %ld\n", cd.rect.left(), cd.rect.top(), cd.rect.right(), cd.rect.bottom(), cd.angle, chip.nr(), chip.nc());
  const matrix<double, 2, 2> m = to_chip.get_m();
  const dlib::vector<double, 2> b = to_chip.get_b();
  std::fprintf(out, "%.17g %.17g %.17g %.17g %.17g %.17g\n", m(0, 0), m(0, 1), b.x(), m(1, 0), m(1, 1), b.y());
  for (long r = 0; r < chip.nr(); r++) {
    for (long c = 0; c < chip.nc(); c++) {
      const unsigned char px[3] = {chip[r][c].red, chip[r][c].green, chip[r][c].blue};
      std::fwrite(px, 1, 3, out);
    }
  }
  std::fclose(out);
  return 0;
}
