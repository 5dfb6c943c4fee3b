/** @deepface-ts/lbp — uniform LBP grid histograms, the classic LFW baseline descriptor. */
export {
  LBP_BINS,
  UNIFORM_LOOKUP,
  toGrey,
  neighbourOffsets,
  lbpCodes,
  lbpHistogramsFromGrey,
  lbpDescriptor,
  lbpDescriptorLength,
  type LbpOptions,
} from './lbp';
