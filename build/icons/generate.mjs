// Draws Loopgate's icons (a loop with a gate bar) and writes them as PNGs; run once, the PNGs are committed.
// No image library on purpose: a tiny RGBA → PNG encoder over node:zlib keeps the build dependency-free.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
export function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
export function encodePng(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

// Shapes in a unit square (0..1); coverage is supersampled 4×4 per pixel for smooth edges.
const ring = (x, y) => { const d = Math.hypot(x - 0.5, y - 0.5); return d <= 0.4 && d >= 0.27; };
const bar = (x, y) => x >= 0.44 && x <= 0.56 && y >= 0.18 && y <= 0.82;
const gap = (x, y) => x > 0.56 && y > 0.4 && y < 0.6; // the opening of the loop: the "gate"
const glyph = (x, y) => (ring(x, y) && !gap(x, y)) || bar(x, y);
const dot = (x, y) => Math.hypot(x - 0.8, y - 0.2) <= 0.17;
const disc = (x, y) => Math.hypot(x - 0.5, y - 0.5) <= 0.5;
const roundedSquare = (x, y) => {
  const r = 0.2, cx = Math.min(Math.max(x, r), 1 - r), cy = Math.min(Math.max(y, r), 1 - r);
  return Math.hypot(x - cx, y - cy) <= r;
};

function draw(size, layers) {
  const out = Buffer.alloc(size * size * 4);
  const S = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const x = (px + (sx + 0.5) / S) / size, y = (py + (sy + 0.5) / S) / size;
          let pr = 0, pg = 0, pb = 0, pa = 0;
          for (const [shape, color] of layers) if (shape(x, y)) [pr, pg, pb, pa] = color(x, y);
          r += pr * pa; g += pg * pa; b += pb * pa; a += pa;
        }
      }
      const i = (py * size + px) * 4;
      out[i] = a ? Math.round(r / a) : 0;
      out[i + 1] = a ? Math.round(g / a) : 0;
      out[i + 2] = a ? Math.round(b / a) : 0;
      out[i + 3] = Math.round((a / (S * S)) * 255);
    }
  }
  return out;
}

const black = () => [0, 0, 0, 1];
const white = () => [255, 255, 255, 1];
const teal = () => [13, 148, 136, 1];
const amber = () => [245, 158, 11, 1];
const gradient = (_x, y) => [Math.round(15 + 10 * y), Math.round(118 + 60 * (1 - y)), Math.round(110 + 50 * (1 - y)), 1];

const icons = [
  // macOS menu bar: template images (black + alpha), the system tints them for light and dark bars.
  ['trayTemplate.png', 16, [[glyph, black]]],
  ['trayTemplate@2x.png', 32, [[glyph, black]]],
  ['trayPendingTemplate.png', 16, [[glyph, black], [dot, black]]],
  ['trayPendingTemplate@2x.png', 32, [[glyph, black], [dot, black]]],
  // Windows and Linux panels can be light or dark: a white glyph on a teal disc reads on both.
  ['tray.png', 16, [[disc, teal], [glyph, white]]],
  ['tray@2x.png', 32, [[disc, teal], [glyph, white]]],
  ['trayPending.png', 16, [[disc, teal], [glyph, white], [dot, amber]]],
  ['trayPending@2x.png', 32, [[disc, teal], [glyph, white], [dot, amber]]],
  // App icon (installers, window, notifications).
  ['icon.png', 512, [[roundedSquare, gradient], [(x, y) => glyph((x - 0.5) / 0.8 + 0.5, (y - 0.5) / 0.8 + 0.5), white]]],
];

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [name, size, layers] of icons) writeFileSync(join(here, name), encodePng(size, draw(size, layers)));
  console.log(`wrote ${icons.length} icons to ${here}`);
}
