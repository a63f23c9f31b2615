/** CJK_FONT applied to the renderer at start: a file that is not a usable font is a configuration error. */
import { type Config, ConfigError } from "./config.ts";
import { useCjkFont } from "./render/index.ts";

export function applyCjkFont(cjkFont: Config["cjkFont"]): void {
  if (cjkFont === undefined) return;
  try {
    useCjkFont(cjkFont);
  } catch (error) {
    throw new ConfigError("CJK_FONT", (error as Error).message);
  }
}
