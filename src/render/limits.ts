/**
 * How much one design and one card may ask of the renderer. A design is checked against these when
 * it is saved (a 400 naming the field); what only the card's data decides (merged text) fails that
 * card with a reason before anything is drawn. Each is far above what a real card uses: the
 * built-in designs have at most 9 layers a face and 90 scattered shapes.
 */
export const DESIGN_LIMITS = {
  /** Layers drawn on one face (front, back, inside). */
  layersPerFace: 40,
  /** Photo layers on one face: each is an image drawn. */
  photosPerFace: 2,
  /** Text layers (fixed design texts) on one face. */
  textLayersPerFace: 12,
  /** Scattered shapes (confetti, leaves, balloons, stars) on one face, all layers together. */
  scatterPerFace: 1000,
  /** Characters of a design's fixed text layer. */
  layerTextChars: 500,
  /** Characters of each Handlebars text (name, message, signature, footer). */
  textSourceChars: 5000,
  /** Named styles and colours. */
  styles: 32,
  colors: 64,
  /** Boxes a scatter layer keeps clear of, and colours it cycles through. */
  avoidBoxes: 16,
  layerColors: 16,
  /** Inches: no box reaches further than this from the trim corner. */
  reachIn: 24,
} as const;

/**
 * Characters a merged text may have once the card's data is in. A message box at its smallest
 * font holds well under this; past it the card fails with `message_too_long` before fitting starts,
 * so no card spends time fitting a text that could never print.
 */
export const MERGED_TEXT_LIMITS = {
  name: 300,
  message: 6000,
  signature: 600,
  footer: 600,
  text: 1000,
} as const;
