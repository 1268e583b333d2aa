/**
 * Redis Cluster hash slots: a key belongs to slot CRC16(key) mod 16384, where only the part
 * between the first "{" and the next "}" is hashed when that part is not empty (the hash tag).
 * Cluster refuses a script call whose keys are in different slots (CROSSSLOT), so a batch is
 * split into calls by slot; every key of a contact shares the contact's tag (see keys.ts).
 */
export const SLOTS = 16384;

/** CRC16-CCITT (XModem), the checksum Redis Cluster uses, one table lookup per byte. */
const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
	let crc = i << 8;
	for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
	TABLE[i] = crc;
}

/** The slot of a hash tag made of ASCII characters (the base64url contact tags). */
export function tagSlot(tag: string): number {
	let crc = 0;
	for (let i = 0; i < tag.length; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ tag.charCodeAt(i)) & 0xff];
	return crc & (SLOTS - 1);
}

/** The slot of any key, as Redis Cluster computes it (UTF-8 bytes, hash tag rules included). */
export function keySlot(key: string | Buffer): number {
	const bytes = typeof key === 'string' ? Buffer.from(key) : key;
	let start = 0;
	let end = bytes.length;
	const open = bytes.indexOf(0x7b);
	if (open !== -1) {
		const close = bytes.indexOf(0x7d, open + 1);
		if (close > open + 1) {
			start = open + 1;
			end = close;
		}
	}
	let crc = 0;
	for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ bytes[i]) & 0xff];
	return crc & (SLOTS - 1);
}
