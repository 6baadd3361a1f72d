/**
 * A tiny built-in bitmap font: printable ASCII (32–126) in a 5×7 cell with two extra rows for descenders
 * (g, j, p, q, y, comma). Enough for panel titles and tick labels without shipping a font file.
 *
 * Each glyph below is written as its rows, top first, separated by spaces ('#' on, '.' off), so a wrong glyph
 * can be fixed by eye. Characters outside the table are drawn as '?'.
 */
import type { Canvas, Rgb } from "./canvas.js";

/** Glyph width in pixels (at scale 1). */
export const GLYPH_WIDTH = 5;
/** Horizontal advance per character: glyph width plus one pixel of spacing. */
export const ADVANCE = 6;
/** Height of capitals and digits above the baseline. */
export const CAP_HEIGHT = 7;
/** Full cell height including descenders. */
export const CELL_HEIGHT = 9;

const GLYPHS: Record<string, string> = {
  " ": "..... ..... ..... ..... ..... ..... .....",
  "!": "..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..",
  '"': ".#.#. .#.#. .#.#. ..... ..... ..... .....",
  "#": ".#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.",
  $: "..#.. .#### #.#.. .###. ..#.# ####. ..#..",
  "%": "##... ##..# ...#. ..#.. .#... #..## ...##",
  "&": ".##.. #..#. #.#.. .#... #.#.# #..#. .##.#",
  "'": "..#.. ..#.. .#... ..... ..... ..... .....",
  "(": "...#. ..#.. .#... .#... .#... ..#.. ...#.",
  ")": ".#... ..#.. ...#. ...#. ...#. ..#.. .#...",
  "*": "..... ..#.. #.#.# .###. #.#.# ..#.. .....",
  "+": "..... ..#.. ..#.. ##### ..#.. ..#.. .....",
  ",": "..... ..... ..... ..... ..... .##.. ..#.. .#...",
  "-": "..... ..... ..... .###. ..... ..... .....",
  ".": "..... ..... ..... ..... ..... .##.. .##..",
  "/": "..... ....# ...#. ..#.. .#... #.... .....",
  "0": ".###. #...# #..## #.#.# ##..# #...# .###.",
  "1": "..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.",
  "2": ".###. #...# ....# ...#. ..#.. .#... #####",
  "3": "##### ...#. ..#.. ...#. ....# #...# .###.",
  "4": "...#. ..##. .#.#. #..#. ##### ...#. ...#.",
  "5": "##### #.... ####. ....# ....# #...# .###.",
  "6": "..##. .#... #.... ####. #...# #...# .###.",
  "7": "##### ....# ...#. ..#.. .#... .#... .#...",
  "8": ".###. #...# #...# .###. #...# #...# .###.",
  "9": ".###. #...# #...# .#### ....# ...#. .##..",
  ":": "..... .##.. .##.. ..... .##.. .##.. .....",
  ";": "..... .##.. .##.. ..... .##.. ..#.. .#...",
  "<": "...#. ..#.. .#... #.... .#... ..#.. ...#.",
  "=": "..... ..... ##### ..... ##### ..... .....",
  ">": ".#... ..#.. ...#. ....# ...#. ..#.. .#...",
  "?": ".###. #...# ....# ...#. ..#.. ..... ..#..",
  "@": ".###. #...# ....# .##.# #.#.# #.#.# .###.",
  A: ".###. #...# #...# ##### #...# #...# #...#",
  B: "####. #...# #...# ####. #...# #...# ####.",
  C: ".###. #...# #.... #.... #.... #...# .###.",
  D: "###.. #..#. #...# #...# #...# #..#. ###..",
  E: "##### #.... #.... ####. #.... #.... #####",
  F: "##### #.... #.... ####. #.... #.... #....",
  G: ".###. #...# #.... #.### #...# #...# .####",
  H: "#...# #...# #...# ##### #...# #...# #...#",
  I: ".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",
  J: "..### ...#. ...#. ...#. ...#. #..#. .##..",
  K: "#...# #..#. #.#.. ##... #.#.. #..#. #...#",
  L: "#.... #.... #.... #.... #.... #.... #####",
  M: "#...# ##.## #.#.# #.#.# #...# #...# #...#",
  N: "#...# #...# ##..# #.#.# #..## #...# #...#",
  O: ".###. #...# #...# #...# #...# #...# .###.",
  P: "####. #...# #...# ####. #.... #.... #....",
  Q: ".###. #...# #...# #...# #.#.# #..#. .##.#",
  R: "####. #...# #...# ####. #.#.. #..#. #...#",
  S: ".#### #.... #.... .###. ....# ....# ####.",
  T: "##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",
  U: "#...# #...# #...# #...# #...# #...# .###.",
  V: "#...# #...# #...# #...# #...# .#.#. ..#..",
  W: "#...# #...# #...# #.#.# #.#.# #.#.# .#.#.",
  X: "#...# #...# .#.#. ..#.. .#.#. #...# #...#",
  Y: "#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..",
  Z: "##### ....# ...#. ..#.. .#... #.... #####",
  "[": ".###. .#... .#... .#... .#... .#... .###.",
  "\\": "..... #.... .#... ..#.. ...#. ....# .....",
  "]": ".###. ...#. ...#. ...#. ...#. ...#. .###.",
  "^": "..#.. .#.#. #...# ..... ..... ..... .....",
  _: "..... ..... ..... ..... ..... ..... ..... #####",
  "`": ".#... ..#.. ...#. ..... ..... ..... .....",
  a: "..... ..... .###. ....# .#### #...# .####",
  b: "#.... #.... #.##. ##..# #...# #...# ####.",
  c: "..... ..... .###. #.... #.... #...# .###.",
  d: "....# ....# .##.# #..## #...# #...# .####",
  e: "..... ..... .###. #...# ##### #.... .###.",
  f: "..##. .#..# .#... ###.. .#... .#... .#...",
  g: "..... ..... .#### #...# #...# #...# .#### ....# .###.",
  h: "#.... #.... #.##. ##..# #...# #...# #...#",
  i: "..#.. ..... .##.. ..#.. ..#.. ..#.. .###.",
  j: "...#. ..... ..##. ...#. ...#. ...#. ...#. #..#. .##..",
  k: "#.... #.... #..#. #.#.. ##... #.#.. #..#.",
  l: ".##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",
  m: "..... ..... ##.#. #.#.# #.#.# #.#.# #.#.#",
  n: "..... ..... #.##. ##..# #...# #...# #...#",
  o: "..... ..... .###. #...# #...# #...# .###.",
  p: "..... ..... ####. #...# #...# #...# ####. #.... #....",
  q: "..... ..... .#### #...# #...# #...# .#### ....# ....#",
  r: "..... ..... #.##. ##..# #.... #.... #....",
  s: "..... ..... .###. #.... .###. ....# ####.",
  t: ".#... .#... ###.. .#... .#... .#..# ..##.",
  u: "..... ..... #...# #...# #...# #..## .##.#",
  v: "..... ..... #...# #...# #...# .#.#. ..#..",
  w: "..... ..... #...# #...# #.#.# #.#.# .#.#.",
  x: "..... ..... #...# .#.#. ..#.. .#.#. #...#",
  y: "..... ..... #...# #...# #...# #...# .#### ....# .###.",
  z: "..... ..... ##### ...#. ..#.. .#... #####",
  "{": "...#. ..#.. ..#.. .#... ..#.. ..#.. ...#.",
  "|": "..#.. ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",
  "}": ".#... ..#.. ..#.. ...#. ..#.. ..#.. .#...",
  "~": "..... ..... .#... #.#.# ...#. ..... .....",
};

/** A few non-ASCII characters that titles may contain, mapped to their nearest ASCII look-alike. */
const FALLBACK: Record<string, string> = { "−": "-", "–": "-", "—": "-", "×": "x", "·": ".", "’": "'", "‘": "'" };

/** Parsed glyphs: for each character, CELL_HEIGHT rows of GLYPH_WIDTH-bit masks (bit 4 = leftmost pixel). */
const BITMAPS: Map<string, Uint8Array> = (() => {
  const map = new Map<string, Uint8Array>();
  for (const [ch, spec] of Object.entries(GLYPHS)) {
    const rows = spec.split(" ");
    if (rows.length < CAP_HEIGHT || rows.length > CELL_HEIGHT || rows.some((r) => r.length !== GLYPH_WIDTH)) {
      throw new Error(`font: malformed glyph for ${JSON.stringify(ch)}`);
    }
    const bits = new Uint8Array(CELL_HEIGHT);
    rows.forEach((r, y) => {
      for (let x = 0; x < GLYPH_WIDTH; x++) if (r[x] === "#") bits[y] |= 1 << (GLYPH_WIDTH - 1 - x);
    });
    map.set(ch, bits);
  }
  return map;
})();

/** The bitmap rows for one character (falls back to '?' for characters the font lacks). */
export function glyph(ch: string): Uint8Array {
  return BITMAPS.get(ch) ?? BITMAPS.get(FALLBACK[ch] ?? "?")!;
}

/** Width in pixels of `text` drawn at integer `scale` (no trailing spacing). */
export function textWidth(text: string, scale = 1): number {
  const n = [...text].length;
  return n === 0 ? 0 : (n * ADVANCE - 1) * scale;
}

/**
 * Draw `text` with its top-left corner (top of the capitals) at (x, y), each font pixel a `scale`×`scale` block.
 * Returns the x just past the text.
 */
export function drawText(canvas: Canvas, text: string, x: number, y: number, color: Rgb, scale = 1, alpha = 1): number {
  const s = Math.max(1, Math.round(scale));
  let cx = Math.round(x);
  const top = Math.round(y);
  for (const ch of text) {
    const bits = glyph(ch);
    for (let row = 0; row < CELL_HEIGHT; row++) {
      const mask = bits[row];
      if (mask === 0) continue;
      for (let col = 0; col < GLYPH_WIDTH; col++) {
        if (mask & (1 << (GLYPH_WIDTH - 1 - col))) canvas.rect(cx + col * s, top + row * s, s, s, color, alpha);
      }
    }
    cx += ADVANCE * s;
  }
  return cx;
}

/**
 * Shorten `text` with a trailing ".." until it fits in `maxWidth` pixels at `scale` (returns "" if nothing fits).
 */
export function fitText(text: string, maxWidth: number, scale = 1): string {
  if (textWidth(text, scale) <= maxWidth) return text;
  const chars = [...text];
  for (let n = chars.length - 1; n > 0; n--) {
    const t = chars.slice(0, n).join("") + "..";
    if (textWidth(t, scale) <= maxWidth) return t;
  }
  return "";
}
