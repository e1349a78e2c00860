//! A backup file's header (magic and metadata map) read with bounds, before the Avro library
//! reads it again: the library reserves memory for whatever entry count a file declares, so a
//! few hundred crafted bytes could make it ask for tens of gigabytes and abort the process.

use std::collections::HashMap;
use std::io::Read;

/// Most metadata entries a header may hold (ours have six).
const MAX_ENTRIES: i64 = 1_000;
/// Most bytes of one metadata key or value (the longest is the schema, about 1 KiB).
const MAX_ITEM_BYTES: i64 = 1 << 20;

/// The metadata of a header, after checking the magic number.
pub(super) fn read(input: &mut impl Read) -> Result<HashMap<String, Vec<u8>>, String> {
    let mut magic = [0u8; 4];
    input.read_exact(&mut magic).map_err(|e| e.to_string())?;
    if &magic != b"Obj\x01" {
        return Err("it does not start like an Avro object container file".into());
    }
    let mut entries = HashMap::new();
    loop {
        let mut count = long(input)?;
        if count == 0 {
            return Ok(entries);
        }
        if count < 0 {
            // A negative count is followed by the block's size in bytes.
            count = count
                .checked_neg()
                .ok_or("a metadata block count is out of range")?;
            long(input)?;
        }
        // A count near i64::MAX must not overflow the sum.
        if (entries.len() as i64).saturating_add(count) > MAX_ENTRIES {
            return Err(format!(
                "its header declares more than {MAX_ENTRIES} metadata entries"
            ));
        }
        for _ in 0..count {
            let key = bytes(input)?;
            let value = bytes(input)?;
            let key = String::from_utf8(key).map_err(|_| "a metadata key is not UTF-8")?;
            entries.insert(key, value);
        }
    }
}

/// A zig-zag encoded variable-length long.
fn long(input: &mut impl Read) -> Result<i64, String> {
    let mut value: u64 = 0;
    for shift in (0..64).step_by(7) {
        let mut byte = [0u8; 1];
        input
            .read_exact(&mut byte)
            .map_err(|_| "its header is cut short")?;
        value |= u64::from(byte[0] & 0x7f) << shift;
        if byte[0] & 0x80 == 0 {
            return Ok(((value >> 1) as i64) ^ -((value & 1) as i64));
        }
    }
    Err("a number in its header is too long".into())
}

/// Length-prefixed bytes, at most [`MAX_ITEM_BYTES`].
fn bytes(input: &mut impl Read) -> Result<Vec<u8>, String> {
    let len = long(input)?;
    if !(0..=MAX_ITEM_BYTES).contains(&len) {
        return Err(format!("a metadata item of {len} bytes is out of range"));
    }
    let mut buffer = vec![0; len as usize];
    input
        .read_exact(&mut buffer)
        .map_err(|_| "its header is cut short")?;
    Ok(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_that_declares_billions_of_entries_is_refused_without_reserving_them() {
        // magic, then a count of 2^40 entries (zig-zag varint).
        let mut file = b"Obj\x01".to_vec();
        file.extend_from_slice(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x40]);
        let err = read(&mut file.as_slice()).unwrap_err();
        assert!(err.contains("more than 1000"), "{err}");
        let mut huge_item = b"Obj\x01\x02".to_vec();
        huge_item.extend_from_slice(&[0xfe, 0xff, 0xff, 0xff, 0x0f]);
        assert!(read(&mut huge_item.as_slice()).is_err());
    }

    #[test]
    fn a_well_formed_header_is_read() {
        // One entry "a" -> "bc", then the end of the map.
        let file = b"Obj\x01\x02\x02a\x04bc\x00";
        let entries = read(&mut file.as_slice()).unwrap();
        assert_eq!(entries["a"], b"bc");
        assert!(read(&mut &b"Obj\x01\x02\x02a"[..]).is_err());
        assert!(read(&mut &b"PK\x03\x04"[..]).is_err());
    }
}
