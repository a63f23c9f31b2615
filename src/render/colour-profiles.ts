/**
 * The ICC profiles a batch declares as its output intent: sRGB for RGB batches, a CMYK press
 * profile for CMYK ones. Both come from Debian's libgs-common (Ghostscript's profiles: "Artifex
 * Software sRGB ICC Profile" and "Artifex CMYK SWOP Profile", a coated-press SWOP condition; no
 * FOGRA or GRACoL profile is packaged as ICC in Debian, only as measurement data). Read once per
 * process; {@link useColourProfiles} reads them at start, so a missing file stops the process then.
 */
import { readFileSync } from "node:fs";
import { deflateSync } from "node:zlib";

export type ColourMode = "rgb" | "cmyk";
export const COLOUR_MODES: readonly ColourMode[] = ["rgb", "cmyk"];

export const DEFAULT_PROFILE_FILES: Readonly<Record<ColourMode, string>> = {
  rgb: "/usr/share/color/icc/ghostscript/srgb.icc",
  cmyk: "/usr/share/color/icc/ghostscript/default_cmyk.icc",
};

/** The Debian package that installs {@link DEFAULT_PROFILE_FILES}. */
export const PROFILE_PACKAGE = "libgs-common";

export interface ColourProfile {
  mode: ColourMode;
  file: string;
  /** The profile's own bytes (what sharp converts photos with). */
  icc: Buffer;
  /** The same, deflated once per process: every PDF embeds this chunk as it is. */
  deflated: Buffer;
  /** Colour components: 3 (RGB) or 4 (CMYK). */
  components: 3 | 4;
  /** The profile's description tag, e.g. "Artifex CMYK SWOP Profile". */
  description: string;
}

const SPACE: Record<ColourMode, { signature: string; components: 3 | 4 }> = {
  rgb: { signature: "RGB ", components: 3 },
  cmyk: { signature: "CMYK", components: 4 },
};

/** The text of an ICC profile's 'desc' tag (v2 textDescription or v4 multiLocalizedUnicode). */
export function iccDescription(icc: Buffer): string | undefined {
  if (icc.length < 132) return undefined;
  const tags = icc.readUInt32BE(128);
  for (let i = 0; i < tags && 132 + i * 12 + 12 <= icc.length; i++) {
    const at = 132 + i * 12;
    if (icc.toString("latin1", at, at + 4) !== "desc") continue;
    const offset = icc.readUInt32BE(at + 4);
    const size = icc.readUInt32BE(at + 8);
    if (offset + size > icc.length || size < 12) return undefined;
    const type = icc.toString("latin1", offset, offset + 4);
    if (type === "desc") {
      const count = icc.readUInt32BE(offset + 8);
      return icc.toString("latin1", offset + 12, offset + 12 + count).replace(/\0+$/, "");
    }
    if (type === "mluc" && size >= 28) {
      const length = icc.readUInt32BE(offset + 20);
      const start = offset + icc.readUInt32BE(offset + 24);
      const text = Buffer.from(icc.subarray(start, start + length)).swap16();
      return text.toString("utf16le").replace(/\0+$/, "");
    }
    return undefined;
  }
  return undefined;
}

/**
 * Reads and checks one profile: an ICC profile ('acsp' signature) whose data colour space is the
 * mode's. Throws with the file named when it is missing or not such a profile.
 */
export function readColourProfile(mode: ColourMode, file: string): ColourProfile {
  let icc: Buffer;
  try {
    icc = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new Error(
      `the ${mode.toUpperCase()} ICC profile ${file} cannot be read (${code}); the default is installed by Debian's ${PROFILE_PACKAGE}`,
    );
  }
  const want = SPACE[mode];
  if (icc.length < 132 || icc.toString("latin1", 36, 40) !== "acsp")
    throw new Error(`${file} is not an ICC profile`);
  const space = icc.toString("latin1", 16, 20);
  if (space !== want.signature)
    throw new Error(`${file} is a "${space.trim()}" profile, not ${mode.toUpperCase()}`);
  return {
    mode,
    file,
    icc,
    deflated: deflateSync(icc),
    components: want.components,
    description: iccDescription(icc) ?? `${mode.toUpperCase()} output`,
  };
}

const files: Record<ColourMode, string> = { ...DEFAULT_PROFILE_FILES };
const loaded = new Map<ColourMode, ColourProfile>();

/**
 * Sets the profile files (before anything renders) and reads them at once, so a missing or wrong
 * file stops the process at start instead of failing batches. Without a call the defaults are read
 * on first need.
 */
export function useColourProfiles(use: Partial<Record<ColourMode, string>>): void {
  for (const mode of COLOUR_MODES) {
    const file = use[mode];
    if (file === undefined) continue;
    loaded.set(mode, readColourProfile(mode, file));
    files[mode] = file;
  }
}

/** The profile of `mode` this process uses. */
export function colourProfile(mode: ColourMode): ColourProfile {
  let profile = loaded.get(mode);
  if (!profile) {
    profile = readColourProfile(mode, files[mode]);
    loaded.set(mode, profile);
  }
  return profile;
}

/** The profile files in use (what render processes are told to read). */
export function colourProfileFiles(): Readonly<Record<ColourMode, string>> {
  return { ...files };
}
