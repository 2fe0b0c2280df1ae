//! The revocation status list (W3C Bitstring Status List v1.0): one bit
//! per credential, at its `statusListIndex` (drawn at random for each
//! certificate, see [`draw_range`]), set
//! when the certificate is revoked; published GZIP-compressed as a
//! multibase base64url string (`u...`). Bit 0 is the most significant bit
//! of the first byte. The list is never shorter than 131,072 bits, so a
//! list tells nobody how many certificates there are (herd privacy).

use std::io::Write;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;

/// The shortest list published, in bits (16 KiB), as the standard asks.
pub const MIN_BITS: usize = 131_072;

/// The status list with the bits of `revoked` set, GZIP-compressed and
/// multibase-encoded; long enough for index `highest` (rounded up to a
/// whole multiple of [`MIN_BITS`]). Negative indices are ignored.
pub fn encoded_list(revoked: &[i64], highest: i64) -> String {
    let bits = usize::try_from(highest.max(0))
        .unwrap_or(0)
        .saturating_add(1)
        .div_ceil(MIN_BITS)
        .max(1)
        * MIN_BITS;
    let mut bytes = vec![0u8; bits / 8];
    for index in revoked.iter().filter_map(|i| usize::try_from(*i).ok()) {
        if let Some(byte) = bytes.get_mut(index / 8) {
            *byte |= 0x80 >> (index % 8);
        }
    }
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gzip.write_all(&bytes)
        .and_then(|()| gzip.try_finish())
        .expect("compressing into memory does not fail");
    format!("u{}", B64.encode(gzip.get_ref()))
}

/// How many bits a list holding `given` indexes draws new ones from: at
/// least [`MIN_BITS`], and at least twice `given`, in whole multiples of
/// [`MIN_BITS`] (so a random draw finds a free bit at least half the time).
pub fn draw_range(given: i64) -> i64 {
    let wanted = given.max(0).saturating_add(1).saturating_mul(2);
    let min = MIN_BITS as i64;
    (wanted.saturating_add(min - 1) / min).max(1) * min
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn decode(list: &str) -> Vec<u8> {
        let gz = B64.decode(list.strip_prefix('u').unwrap()).unwrap();
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(gz.as_slice())
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    fn bit(bytes: &[u8], index: usize) -> bool {
        bytes[index / 8] & (0x80 >> (index % 8)) != 0
    }

    #[test]
    fn revoked_bits_are_set_and_no_others() {
        let bytes = decode(&encoded_list(&[0, 9, 131_071], 200));
        assert_eq!(bytes.len() * 8, MIN_BITS);
        assert!(bit(&bytes, 0) && bit(&bytes, 9) && bit(&bytes, 131_071));
        assert_eq!(bytes.iter().map(|b| b.count_ones()).sum::<u32>(), 3);
        assert_eq!(bytes[1], 0b0100_0000);
    }

    #[test]
    fn draws_stay_at_most_half_full() {
        assert_eq!(draw_range(0), MIN_BITS as i64);
        assert_eq!(draw_range(65_535), MIN_BITS as i64);
        assert_eq!(draw_range(65_536), 2 * MIN_BITS as i64);
        assert_eq!(draw_range(-3), MIN_BITS as i64);
    }

    #[test]
    fn the_list_grows_past_its_minimum_and_never_shrinks_below_it() {
        assert_eq!(decode(&encoded_list(&[], 0)).len() * 8, MIN_BITS);
        let long = decode(&encoded_list(&[131_072], 131_072));
        assert_eq!(long.len() * 8, 2 * MIN_BITS);
        assert!(bit(&long, 131_072));
        assert_eq!(decode(&encoded_list(&[-5], -1)).len() * 8, MIN_BITS);
    }
}
