/**
 * CJK_FONT and COLOR_PROFILE_* applied to the renderer at start: a file that is not a usable font,
 * or not an ICC profile of its colour space, is a configuration error.
 */
import { type Config, ConfigError } from "./config.ts";
import { useCjkFont, useColourProfiles } from "./render/index.ts";

export function applyCjkFont(cjkFont: Config["cjkFont"]): void {
  if (cjkFont === undefined) return;
  try {
    useCjkFont(cjkFont);
  } catch (error) {
    throw new ConfigError("CJK_FONT", (error as Error).message);
  }
}

export function applyColorProfiles(profiles: Config["colorProfiles"]): void {
  for (const [mode, variable] of [
    ["rgb", "COLOR_PROFILE_RGB"],
    ["cmyk", "COLOR_PROFILE_CMYK"],
  ] as const) {
    try {
      useColourProfiles({ [mode]: profiles[mode] });
    } catch (error) {
      throw new ConfigError(variable, (error as Error).message);
    }
  }
}
