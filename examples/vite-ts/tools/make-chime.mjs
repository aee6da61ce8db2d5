// Writes src/assets/chime.wav: a short two-note chime, 8-bit mono at
// 11025 Hz (under 10 KB), so the example ships an audio clip of its own.
// Run with `node tools/make-chime.mjs`.
import { writeFileSync } from 'node:fs';

const rate = 11025;
const notes = [[659.25, 0.22], [987.77, 0.5]];   // E5, then B5
const samples = [];
for (const [freq, seconds] of notes) {
  const n = Math.round(rate * seconds);
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    const envelope = Math.min(1, i / 80) * Math.exp(-4 * t / seconds);
    const v = Math.sin(2 * Math.PI * freq * t) * 0.6 + Math.sin(4 * Math.PI * freq * t) * 0.15;
    samples.push(Math.round(128 + 127 * envelope * v));
  }
}

const data = Buffer.from(samples);
const header = Buffer.alloc(44);
header.write('RIFF', 0);
header.writeUInt32LE(36 + data.length, 4);
header.write('WAVE', 8);
header.write('fmt ', 12);
header.writeUInt32LE(16, 16);       // PCM header size
header.writeUInt16LE(1, 20);        // PCM
header.writeUInt16LE(1, 22);        // mono
header.writeUInt32LE(rate, 24);
header.writeUInt32LE(rate, 28);     // bytes per second
header.writeUInt16LE(1, 32);        // block align
header.writeUInt16LE(8, 34);        // bits per sample
header.write('data', 36);
header.writeUInt32LE(data.length, 40);

const out = new URL('../src/assets/chime.wav', import.meta.url);
writeFileSync(out, Buffer.concat([header, data]));
console.log(`wrote ${out.pathname} (${44 + data.length} bytes)`);
