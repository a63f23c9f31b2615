/**
 * Room for a card's QR code: text boxes that overlap the face's QR box give way (a box with the
 * code at its right gets narrower, one with the code below it shorter), only on cards that carry
 * a code, so cards without one render exactly as before. Boxes in inches: [x, y, w, h].
 */
export type BoxIn = [number, number, number, number];

const GAP_IN = 0.1;

export function avoidQr(box: BoxIn, qr: BoxIn | undefined): BoxIn {
  if (!qr) return box;
  const [x, y, w, h] = box;
  const [qx, qy, qw, qh] = qr;
  const overlaps = x < qx + qw && qx < x + w && y < qy + qh && qy < y + h;
  if (!overlaps) return box;
  if (qx > x + w / 2) return [x, y, Math.max(0.1, qx - GAP_IN - x), h];
  if (qy > y + h / 2) return [x, y, w, Math.max(0.1, qy - GAP_IN - y)];
  return box;
}
