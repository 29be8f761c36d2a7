//! A gzip stream built by hand (no compression library): `len` spaces as one fixed-Huffman
//! deflate block of back-references, so a few kilobytes on the wire decode to megabytes.

/// A gzip member that decodes to `len` spaces (`len` at least 1).
pub(crate) fn spaces(len: usize) -> Vec<u8> {
    let len = len.max(1);
    let mut bits = Bits::default();
    // Block header: final, fixed Huffman codes.
    bits.push(1, 1);
    bits.push(1, 2);
    // The literal ' ' (0x20): fixed code 0x30 + 0x20, 8 bits.
    bits.code(0x30 + 0x20, 8);
    let mut left = len - 1;
    while left > 0 {
        let n = left.min(258);
        if n >= 3 {
            length_code(&mut bits, n);
            // Distance 1: code 0, 5 bits, no extra bits.
            bits.code(0, 5);
        } else {
            for _ in 0..n {
                bits.code(0x30 + 0x20, 8);
            }
        }
        left -= n;
    }
    // End of block (256): 7 zero bits.
    bits.code(0, 7);
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    out.extend_from_slice(&bits.finish());
    out.extend_from_slice(&crc32_of_spaces(len).to_le_bytes());
    out.extend_from_slice(&(len as u32).to_le_bytes());
    out
}

/// Writes the fixed-Huffman length code (and its extra bits) for a match of `n` (3..=258).
fn length_code(bits: &mut Bits, n: usize) {
    const BASE: [(u16, usize, u32); 29] = [
        (257, 3, 0),
        (258, 4, 0),
        (259, 5, 0),
        (260, 6, 0),
        (261, 7, 0),
        (262, 8, 0),
        (263, 9, 0),
        (264, 10, 0),
        (265, 11, 1),
        (266, 13, 1),
        (267, 15, 1),
        (268, 17, 1),
        (269, 19, 2),
        (270, 23, 2),
        (271, 27, 2),
        (272, 31, 2),
        (273, 35, 3),
        (274, 43, 3),
        (275, 51, 3),
        (276, 59, 3),
        (277, 67, 4),
        (278, 83, 4),
        (279, 99, 4),
        (280, 115, 4),
        (281, 131, 5),
        (282, 163, 5),
        (283, 195, 5),
        (284, 227, 5),
        (285, 258, 0),
    ];
    let (code, base, extra) = BASE
        .iter()
        .rev()
        .copied()
        .find(|(_, base, _)| *base <= n)
        .unwrap_or((257, 3, 0));
    if code <= 279 {
        bits.code(u32::from(code - 256), 7);
    } else {
        bits.code(0xc0 + u32::from(code - 280), 8);
    }
    bits.push((n - base) as u32, extra);
}

#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    current: u32,
    used: u32,
}

impl Bits {
    /// Pushes `count` bits of `value`, least significant first (header fields, extra bits).
    fn push(&mut self, value: u32, count: u32) {
        for i in 0..count {
            self.bit((value >> i) & 1);
        }
    }

    /// Pushes a Huffman code of `count` bits, most significant first.
    fn code(&mut self, value: u32, count: u32) {
        for i in (0..count).rev() {
            self.bit((value >> i) & 1);
        }
    }

    fn bit(&mut self, bit: u32) {
        self.current |= bit << self.used;
        self.used += 1;
        if self.used == 8 {
            self.out.push(self.current as u8);
            self.current = 0;
            self.used = 0;
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.used > 0 {
            self.out.push(self.current as u8);
        }
        self.out
    }
}

/// The CRC-32 (IEEE) of `len` spaces.
fn crc32_of_spaces(len: usize) -> u32 {
    let mut table = [0u32; 256];
    for (i, entry) in table.iter_mut().enumerate() {
        let mut c = i as u32;
        for _ in 0..8 {
            c = if c & 1 == 1 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
        *entry = c;
    }
    let mut crc = !0u32;
    for _ in 0..len {
        crc = table[((crc ^ u32::from(b' ')) & 0xff) as usize] ^ (crc >> 8);
    }
    !crc
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_megabyte_of_spaces_is_a_few_kilobytes() {
        let bytes = super::spaces(1024 * 1024);
        assert_eq!(&bytes[..3], &[0x1f, 0x8b, 8]);
        assert!(bytes.len() < 8 * 1024, "{}", bytes.len());
        // The trailer: CRC-32 of 1 MiB of spaces, then the length.
        assert_eq!(&bytes[bytes.len() - 4..], &[0, 0, 0x10, 0]);
        assert_eq!(super::crc32_of_spaces(1), 0xe96c_cf45);
    }
}
