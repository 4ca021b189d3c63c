/** 0x-prefixed hex, as every wire format here spells bytes and quantities. */
export type Hex = `0x${string}`;
