//! One gzip stream built from a compressed-once prefix and a small per-request tail.
//!
//! The vendor part of `/metrics` changes only when a poll changes it, but the self part
//! changes every scrape. Compressing the vendor part once as raw deflate ending in a
//! sync flush (byte-aligned, not final) lets each scrape append the tail as a fresh
//! final deflate block and a trailer whose CRC-32 is combined from both parts, so every
//! client sees a single ordinary gzip member (curl `--compressed` reads only the first
//! member of a multi-member file) while per-scrape work stays proportional to the tail.

use std::io::Write;

use flate2::{Compress, Compression, FlushCompress};

/// RFC 1952 header: deflate, no flags, no mtime, unknown OS.
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// A compressed prefix ready to be completed by [`GzipPrefix::finish`].
#[derive(Clone)]
pub struct GzipPrefix {
    /// Header plus the prefix's deflate blocks (sync-flushed, not final).
    bytes: bytes::Bytes,
    crc: crc32fast::Hasher,
    len: u64,
}

impl std::fmt::Debug for GzipPrefix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GzipPrefix")
            .field("compressed", &self.bytes.len())
            .field("len", &self.len)
            .finish()
    }
}

impl Default for GzipPrefix {
    fn default() -> Self {
        GzipPrefix::new(b"")
    }
}

impl GzipPrefix {
    /// Compresses `data` as the start of a gzip stream.
    pub fn new(data: &[u8]) -> Self {
        let mut c = Compress::new(Compression::fast(), false);
        let mut bytes = Vec::with_capacity(HEADER.len() + data.len() / 4 + 64);
        bytes.extend_from_slice(&HEADER);
        let mut input = data;
        loop {
            if bytes.capacity() - bytes.len() < 4096 {
                bytes.reserve(64 * 1024);
            }
            let before = c.total_in();
            // Compressing into a Vec only fails on a corrupted stream state, which a fresh
            // compressor fed plain bytes cannot reach; stop rather than loop if it does.
            if c.compress_vec(input, &mut bytes, FlushCompress::Sync)
                .is_err()
            {
                break;
            }
            input = &input[(c.total_in() - before) as usize..];
            if input.is_empty() && bytes.capacity() > bytes.len() {
                break;
            }
        }
        let mut crc = crc32fast::Hasher::new();
        crc.update(data);
        GzipPrefix {
            bytes: bytes.into(),
            crc,
            len: data.len() as u64,
        }
    }

    /// Compressed size of the prefix.
    pub fn compressed_len(&self) -> usize {
        self.bytes.len()
    }

    /// The compressed prefix (shared, not copied).
    pub fn prefix(&self) -> bytes::Bytes {
        self.bytes.clone()
    }

    /// What follows [`GzipPrefix::prefix`] to make the gzip stream of prefix + `tail`:
    /// the tail as final deflate blocks and the trailer.
    pub fn finish_tail(&self, tail: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::DeflateEncoder::new(
            Vec::with_capacity(tail.len() / 3 + 32),
            Compression::fast(),
        );
        // Writing into a Vec cannot fail.
        let _ = enc.write_all(tail);
        let mut out = enc.finish().unwrap_or_default();
        let mut crc = self.crc.clone();
        let mut tail_crc = crc32fast::Hasher::new();
        tail_crc.update(tail);
        crc.combine(&tail_crc);
        out.extend_from_slice(&crc.finalize().to_le_bytes());
        out.extend_from_slice(&((self.len + tail.len() as u64) as u32).to_le_bytes());
        out
    }

    /// The whole gzip stream of prefix + `tail`, as one buffer.
    pub fn finish(&self, tail: &[u8]) -> Vec<u8> {
        let mut out = self.bytes.to_vec();
        out.extend_from_slice(&self.finish_tail(tail));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn gunzip_single_member(b: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(b)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn prefix_and_tail_make_one_valid_member() {
        let prefix: Vec<u8> = (0..200_000u32)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        let p = GzipPrefix::new(&prefix);
        for tail in [&b""[..], b"tail\n", &vec![b'x'; 100_000]] {
            let gz = p.finish(tail);
            let mut want = prefix.clone();
            want.extend_from_slice(tail);
            assert_eq!(gunzip_single_member(&gz), want);
        }
    }

    #[test]
    fn empty_prefix() {
        let gz = GzipPrefix::default().finish(b"only tail");
        assert_eq!(gunzip_single_member(&gz), b"only tail");
    }
}
