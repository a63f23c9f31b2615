import { type FaceId, FORMATS, type FormatId } from "./formats.ts";

const FACE_NAMES: Record<FaceId, string> = {
  front: "Front",
  back: "Back",
  inside_left: "Inside left",
  inside_right: "Inside right",
};

/**
 * What each PDF page of a format shows, for people reading a proof picture: "Front",
 * "Back (address side)" on a postcard, "Outside: back | front" on a folded card's spread.
 */
export function pageLabels(format: FormatId): string[] {
  const spec = FORMATS[format];
  return spec.pages.map((faces) => {
    const [only] = faces;
    if (faces.length === 1 && only) {
      const name = FACE_NAMES[only.face];
      return spec.postal?.face === only.face ? `${name} (address side)` : name;
    }
    // A spread, left to right: "Outside: back | front", "Inside: left | right".
    const inside = faces.every((f) => f.face.startsWith("inside_"));
    const names = faces.map((f) => FACE_NAMES[f.face].replace(/^Inside /, "").toLowerCase());
    return `${inside ? "Inside" : "Outside"}: ${names.join(" | ")}`;
  });
}
