/**
 * Dependency-free PNG plotting for the CLI: scatter panels with optional trajectories and density images,
 * a PNG encoder/decoder, and the raster + bitmap font underneath.
 */
export { renderPanels, renderFigure, DEFAULT_POINT_COLOR } from "./figure.js";
export type { ScatterPanel, FigureOptions, FigureLayout, Trajectories, Heatmap, Rect, Bounds } from "./figure.js";
export { encodePng, decodePng, crc32, pngChunk, readChunks, paeth, PNG_SIGNATURE } from "./png.js";
export type { EncodeOptions, PngFilter, PngChunkInfo } from "./png.js";
export { Canvas, clipSegment, WHITE, BLACK } from "./canvas.js";
export type { Rgb } from "./canvas.js";
export { drawText, textWidth, fitText, glyph, ADVANCE, CAP_HEIGHT, CELL_HEIGHT, GLYPH_WIDTH } from "./font.js";
export { viridis, interpolateAnchors, luminance } from "./colormap.js";
export { dataBounds, equalAspect, niceStep, ticks, formatTicks } from "./scale.js";
// Figures of models (both families), as PNG bytes.
export { modelFigure, modelPanels, densityPanel, mosaicPanel, firstTwo, type ModelFigureOptions, type FigureData } from "./figures.js";
