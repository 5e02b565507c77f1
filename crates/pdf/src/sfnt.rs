//! One face of a font collection taken out as a font file of its own, without glyph names.
//!
//! The shipped collection's `post` table (version 2) names every one of its tens of thousands
//! of glyphs. A PDF's embedded TrueType font does not need those names (its text is mapped to
//! characters by the ToUnicode map), yet the subsetter reads through all of them for every
//! document to copy out the few it keeps: an eighth of a document's rendering. So the face is
//! copied once, when the first document is rendered, with a `post` table of version 3 (the
//! same header, no names); every other table is kept byte for byte.

use skrifa::FontRef;

/// The font file format's table record: tag, checksum, offset, length.
const RECORD_LEN: usize = 16;
/// What a font's checksums, adjusted by `head`'s `checkSumAdjustment`, must add up to.
const CHECKSUM_MAGIC: u32 = 0xB1B0_AFBA;
/// `post` version 3: the header alone, glyph names left to the consumer.
const POST_VERSION_3: [u8; 4] = [0, 3, 0, 0];
/// The length of `post`'s header (version to `maxMemType1`), the whole of a version 3 table.
const POST_HEADER_LEN: usize = 32;

/// Face `index` of `collection` (a `.ttc`, or a single font file with index 0) as a font file
/// with the same tables, its `post` table cut to version 3.
pub(crate) fn face_without_glyph_names(collection: &[u8], index: u32) -> Result<Vec<u8>, String> {
    let face = FontRef::from_index(collection, index).map_err(|e| e.to_string())?;
    let mut tables = Vec::new();
    for record in face.table_directory.table_records() {
        let tag = record.tag();
        let mut data = face.table_data(tag).ok_or_else(|| format!("the {tag} table is cut short"))?.as_bytes().to_vec();
        if tag == skrifa::Tag::new(b"post") {
            if data.len() < POST_HEADER_LEN {
                return Err("the post table is shorter than its header".into());
            }
            data.truncate(POST_HEADER_LEN);
            slice_mut(&mut data, 0, 4)?.copy_from_slice(&POST_VERSION_3);
        }
        if tag == skrifa::Tag::new(b"head") {
            // Recomputed below, over the new file.
            slice_mut(&mut data, 8, 4)?.fill(0);
        }
        tables.push((tag.to_be_bytes(), data));
    }
    tables.sort_by_key(|(tag, _)| *tag);
    write_font(face.table_directory.sfnt_version(), &tables)
}

fn write_font(sfnt_version: u32, tables: &[([u8; 4], Vec<u8>)]) -> Result<Vec<u8>, String> {
    // At most 4095 tables, so that the binary-search fields (sixteen times a count) fit.
    let count = u16::try_from(tables.len()).ok().filter(|&n| n < 4096).ok_or("too many tables")?;
    // The largest power of two not above the count, as its exponent and times 16.
    let entry_selector = u16::try_from(count.max(1).ilog2()).unwrap_or(0);
    let search_range = (1_u16 << entry_selector) * 16;
    let range_shift = count * 16 - search_range;
    let directory_len = 12 + tables.len() * RECORD_LEN;
    let mut font = Vec::with_capacity(directory_len + tables.iter().map(|(_, data)| padded(data.len())).sum::<usize>());
    font.extend(sfnt_version.to_be_bytes());
    for field in [count, search_range, entry_selector, range_shift] {
        font.extend(field.to_be_bytes());
    }
    let mut offset = directory_len;
    for (tag, data) in tables {
        font.extend(tag);
        font.extend(checksum(data).to_be_bytes());
        font.extend(u32_of(offset)?.to_be_bytes());
        font.extend(u32_of(data.len())?.to_be_bytes());
        offset += padded(data.len());
    }
    let mut head_at = None;
    for (tag, data) in tables {
        if tag == b"head" {
            head_at = Some(font.len());
        }
        font.extend(data);
        font.resize(padded(font.len()), 0);
    }
    let head_at = head_at.ok_or("the face has no head table")?;
    let adjustment = CHECKSUM_MAGIC.wrapping_sub(checksum(&font));
    slice_mut(&mut font, head_at + 8, 4)?.copy_from_slice(&adjustment.to_be_bytes());
    Ok(font)
}

/// The sum of the data's big-endian 32-bit words, the last padded with zeros.
fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0_u32, |sum, chunk| {
        let mut word = [0_u8; 4];
        word[..chunk.len()].copy_from_slice(chunk);
        sum.wrapping_add(u32::from_be_bytes(word))
    })
}

fn padded(len: usize) -> usize {
    len.next_multiple_of(4)
}

fn slice_mut(data: &mut [u8], at: usize, len: usize) -> Result<&mut [u8], String> {
    at.checked_add(len)
        .and_then(|end| data.get_mut(at..end))
        .ok_or_else(|| format!("a table ends before byte {at}+{len}"))
}

fn u32_of(value: usize) -> Result<u32, String> {
    u32::try_from(value).map_err(|_| "the font is larger than 4 GB".to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::font::{COLLECTION, COLLECTION_FACE};
    use skrifa::{FontRef, MetadataProvider, Tag};

    #[test]
    fn keeps_every_table_but_the_glyph_names() {
        let original = FontRef::from_index(COLLECTION, COLLECTION_FACE).unwrap();
        let copy_data = face_without_glyph_names(COLLECTION, COLLECTION_FACE).unwrap();
        let copy = FontRef::new(&copy_data).unwrap();

        let tags = |font: &FontRef| font.table_directory.table_records().iter().map(|r| r.tag()).collect::<Vec<_>>();
        assert_eq!(tags(&original), tags(&copy));
        for tag in tags(&original) {
            let (before, after) = (original.table_data(tag).unwrap(), copy.table_data(tag).unwrap());
            if tag == Tag::new(b"post") {
                assert_eq!(&before.as_bytes()[..4], &[0, 2, 0, 0], "the shipped face names its glyphs");
                assert_eq!(after.as_bytes()[..4], POST_VERSION_3);
                assert_eq!(before.as_bytes()[4..32], after.as_bytes()[4..], "the header is kept");
            } else if tag == Tag::new(b"head") {
                // All but the checksum adjustment.
                assert_eq!(before.as_bytes()[..8], after.as_bytes()[..8]);
                assert_eq!(before.as_bytes()[12..], after.as_bytes()[12..]);
            } else {
                assert_eq!(before.as_bytes(), after.as_bytes(), "{tag} changed");
            }
        }
        for c in "积分张伟明ABC123，。□".chars() {
            assert_eq!(original.charmap().map(c), copy.charmap().map(c));
        }
    }

    #[test]
    fn the_copy_has_valid_checksums() {
        let copy = face_without_glyph_names(COLLECTION, COLLECTION_FACE).unwrap();
        assert_eq!(checksum(&copy), CHECKSUM_MAGIC, "the whole file adds up to the magic number");
        let font = FontRef::new(&copy).unwrap();
        for record in font.table_directory.table_records() {
            let data = font.table_data(record.tag()).unwrap();
            let expected = if record.tag() == Tag::new(b"head") {
                let mut head = data.as_bytes().to_vec();
                head[8..12].fill(0);
                checksum(&head)
            } else {
                checksum(data.as_bytes())
            };
            assert_eq!(record.checksum(), expected, "{}", record.tag());
            assert_eq!(record.offset() % 4, 0, "{} is aligned", record.tag());
        }
    }

    #[test]
    fn refuses_a_face_the_collection_lacks_and_a_cut_file() {
        assert!(face_without_glyph_names(COLLECTION, 7).is_err());
        assert!(face_without_glyph_names(&COLLECTION[..1000], COLLECTION_FACE).is_err());
        assert!(face_without_glyph_names(b"ttc", 0).is_err());
    }
}
