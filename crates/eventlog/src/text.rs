//! Text as Windows writes it, decoded: UTF-8 (with or without a byte-order mark), UTF-16 LE or BE
//! (with a byte-order mark, as PowerShell's `>` writes it, or without one when the text is ASCII
//! at heart), or a console's single-byte code page — the OEM code page a console program's
//! redirected output is in (850 on Western European Windows) or the ANSI one (1252).
//!
//! Decoding never fails and never panics: what a code page cannot map is replaced (and counted),
//! and whether the result is a log at all is for the readers to say.

use std::borrow::Cow;

use serde::Serialize;

/// How an input's text was encoded, as detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum TextEncoding {
    /// UTF-8 without a byte-order mark (or plain ASCII).
    Utf8,
    /// UTF-8 with a byte-order mark (`EF BB BF`).
    Utf8Bom,
    /// UTF-16 little-endian: with a byte-order mark (`FF FE`, what Windows PowerShell's `>` and
    /// `Out-File` write), or without one when every other byte of ASCII text is zero.
    Utf16Le,
    /// UTF-16 big-endian, with a byte-order mark (`FE FF`) or recognised like [`Self::Utf16Le`].
    Utf16Be,
    /// Code page 850 (OEM Western European): what `dsregcmd /status > file` writes from `cmd.exe`
    /// on a German, French, Spanish… Windows. Its letters (`ä ö ü ß é`…) sit where code page 437's
    /// do, so US-English console output decodes the same.
    Cp850,
    /// Windows-1252 (ANSI Western European), what a text editor saves as "ANSI".
    Windows1252,
}

impl TextEncoding {
    /// Its usual name (`UTF-16LE`, `cp850`…).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Utf8 => "UTF-8",
            Self::Utf8Bom => "UTF-8 with BOM",
            Self::Utf16Le => "UTF-16LE",
            Self::Utf16Be => "UTF-16BE",
            Self::Cp850 => "cp850 (OEM)",
            Self::Windows1252 => "windows-1252 (ANSI)",
        }
    }
}

impl std::fmt::Display for TextEncoding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Decoded text.
#[derive(Debug)]
pub(crate) struct Decoded<'a> {
    /// The text (borrowed when the input was UTF-8 already).
    pub(crate) text: Cow<'a, str>,
    /// How it was encoded.
    pub(crate) encoding: TextEncoding,
    /// Characters that could not be decoded and were replaced with U+FFFD (a cut UTF-16 file
    /// loses half a character; a damaged one more).
    pub(crate) replaced: usize,
}

/// Code page 850, bytes 0x80–0xFF (generated from Python's `cp850` codec; the lower half is ASCII).
const CP850: [char; 128] = [
    '\u{00C7}', '\u{00FC}', '\u{00E9}', '\u{00E2}', '\u{00E4}', '\u{00E0}', '\u{00E5}', '\u{00E7}',
    '\u{00EA}', '\u{00EB}', '\u{00E8}', '\u{00EF}', '\u{00EE}', '\u{00EC}', '\u{00C4}', '\u{00C5}',
    '\u{00C9}', '\u{00E6}', '\u{00C6}', '\u{00F4}', '\u{00F6}', '\u{00F2}', '\u{00FB}', '\u{00F9}',
    '\u{00FF}', '\u{00D6}', '\u{00DC}', '\u{00F8}', '\u{00A3}', '\u{00D8}', '\u{00D7}', '\u{0192}',
    '\u{00E1}', '\u{00ED}', '\u{00F3}', '\u{00FA}', '\u{00F1}', '\u{00D1}', '\u{00AA}', '\u{00BA}',
    '\u{00BF}', '\u{00AE}', '\u{00AC}', '\u{00BD}', '\u{00BC}', '\u{00A1}', '\u{00AB}', '\u{00BB}',
    '\u{2591}', '\u{2592}', '\u{2593}', '\u{2502}', '\u{2524}', '\u{00C1}', '\u{00C2}', '\u{00C0}',
    '\u{00A9}', '\u{2563}', '\u{2551}', '\u{2557}', '\u{255D}', '\u{00A2}', '\u{00A5}', '\u{2510}',
    '\u{2514}', '\u{2534}', '\u{252C}', '\u{251C}', '\u{2500}', '\u{253C}', '\u{00E3}', '\u{00C3}',
    '\u{255A}', '\u{2554}', '\u{2569}', '\u{2566}', '\u{2560}', '\u{2550}', '\u{256C}', '\u{00A4}',
    '\u{00F0}', '\u{00D0}', '\u{00CA}', '\u{00CB}', '\u{00C8}', '\u{0131}', '\u{00CD}', '\u{00CE}',
    '\u{00CF}', '\u{2518}', '\u{250C}', '\u{2588}', '\u{2584}', '\u{00A6}', '\u{00CC}', '\u{2580}',
    '\u{00D3}', '\u{00DF}', '\u{00D4}', '\u{00D2}', '\u{00F5}', '\u{00D5}', '\u{00B5}', '\u{00FE}',
    '\u{00DE}', '\u{00DA}', '\u{00DB}', '\u{00D9}', '\u{00FD}', '\u{00DD}', '\u{00AF}', '\u{00B4}',
    '\u{00AD}', '\u{00B1}', '\u{2017}', '\u{00BE}', '\u{00B6}', '\u{00A7}', '\u{00F7}', '\u{00B8}',
    '\u{00B0}', '\u{00A8}', '\u{00B7}', '\u{00B9}', '\u{00B3}', '\u{00B2}', '\u{25A0}', '\u{00A0}',
];

/// Windows-1252, bytes 0x80–0xFF (generated from Python's `cp1252` codec; its five undefined bytes
/// are U+FFFD and counted as replaced — WHATWG maps them to C1 controls; neither is a letter).
const WINDOWS_1252: [char; 128] = [
    '\u{20AC}', '\u{FFFD}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{FFFD}', '\u{017D}', '\u{FFFD}',
    '\u{FFFD}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}', '\u{0153}', '\u{FFFD}', '\u{017E}', '\u{0178}',
    '\u{00A0}', '\u{00A1}', '\u{00A2}', '\u{00A3}', '\u{00A4}', '\u{00A5}', '\u{00A6}', '\u{00A7}',
    '\u{00A8}', '\u{00A9}', '\u{00AA}', '\u{00AB}', '\u{00AC}', '\u{00AD}', '\u{00AE}', '\u{00AF}',
    '\u{00B0}', '\u{00B1}', '\u{00B2}', '\u{00B3}', '\u{00B4}', '\u{00B5}', '\u{00B6}', '\u{00B7}',
    '\u{00B8}', '\u{00B9}', '\u{00BA}', '\u{00BB}', '\u{00BC}', '\u{00BD}', '\u{00BE}', '\u{00BF}',
    '\u{00C0}', '\u{00C1}', '\u{00C2}', '\u{00C3}', '\u{00C4}', '\u{00C5}', '\u{00C6}', '\u{00C7}',
    '\u{00C8}', '\u{00C9}', '\u{00CA}', '\u{00CB}', '\u{00CC}', '\u{00CD}', '\u{00CE}', '\u{00CF}',
    '\u{00D0}', '\u{00D1}', '\u{00D2}', '\u{00D3}', '\u{00D4}', '\u{00D5}', '\u{00D6}', '\u{00D7}',
    '\u{00D8}', '\u{00D9}', '\u{00DA}', '\u{00DB}', '\u{00DC}', '\u{00DD}', '\u{00DE}', '\u{00DF}',
    '\u{00E0}', '\u{00E1}', '\u{00E2}', '\u{00E3}', '\u{00E4}', '\u{00E5}', '\u{00E6}', '\u{00E7}',
    '\u{00E8}', '\u{00E9}', '\u{00EA}', '\u{00EB}', '\u{00EC}', '\u{00ED}', '\u{00EE}', '\u{00EF}',
    '\u{00F0}', '\u{00F1}', '\u{00F2}', '\u{00F3}', '\u{00F4}', '\u{00F5}', '\u{00F6}', '\u{00F7}',
    '\u{00F8}', '\u{00F9}', '\u{00FA}', '\u{00FB}', '\u{00FC}', '\u{00FD}', '\u{00FE}', '\u{00FF}',
];

/// Decodes bytes as the text encoding they are in. `None` for binary input: text that, decoded,
/// holds NUL characters (no log this crate reads has any).
pub(crate) fn decode(bytes: &[u8]) -> Option<Decoded<'_>> {
    let decoded = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        utf8_or_legacy(rest, TextEncoding::Utf8Bom)
    } else if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        utf16(rest, TextEncoding::Utf16Le)
    } else if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        utf16(rest, TextEncoding::Utf16Be)
    } else if let Some(encoding) = utf16_without_bom(bytes) {
        utf16(bytes, encoding)
    } else {
        utf8_or_legacy(bytes, TextEncoding::Utf8)
    };
    (!decoded.text.contains('\0')).then_some(decoded)
}

/// UTF-16 without a byte-order mark: text that is mostly ASCII has a zero in every other byte
/// (`<\0?\0` or `\0<\0?`) — in at least 7 of 8 characters of its first 32, and never two zeros.
fn utf16_without_bom(bytes: &[u8]) -> Option<TextEncoding> {
    let head = bytes.get(..bytes.len().min(64))?;
    if head.len() < 8 {
        return None;
    }
    let pairs = head.chunks_exact(2);
    let n = pairs.len();
    let mostly = |zero: usize| {
        let other = 1 - zero;
        let ascii = pairs
            .clone()
            .filter(|p| p[zero] == 0 && p[other] != 0 && p[other].is_ascii())
            .count();
        let nul = pairs.clone().any(|p| p[0] == 0 && p[1] == 0);
        !nul && ascii * 8 >= n * 7
    };
    if mostly(1) {
        Some(TextEncoding::Utf16Le)
    } else if mostly(0) {
        Some(TextEncoding::Utf16Be)
    } else {
        None
    }
}

/// UTF-16 text; a last odd byte (a cut file) is dropped and counted as one replacement.
fn utf16(bytes: &[u8], encoding: TextEncoding) -> Decoded<'_> {
    let whole = bytes.len() - bytes.len() % 2;
    let codec = if encoding == TextEncoding::Utf16Be {
        encoding_rs::UTF_16BE
    } else {
        encoding_rs::UTF_16LE
    };
    let (text, _) = codec.decode_without_bom_handling(&bytes[..whole]);
    let replaced = text
        .chars()
        .filter(|c| *c == char::REPLACEMENT_CHARACTER)
        .count()
        + usize::from(whole != bytes.len());
    Decoded {
        text: Cow::Owned(text.into_owned()),
        encoding,
        replaced,
    }
}

/// UTF-8 when it is valid, else the single-byte code page that reads it best.
fn utf8_or_legacy(bytes: &[u8], encoding: TextEncoding) -> Decoded<'_> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Decoded {
            text: Cow::Borrowed(text),
            encoding,
            replaced: 0,
        };
    }
    // The code page whose non-ASCII characters read as letters inside words wins; a tie goes to
    // the OEM code page, the one a console's redirected output is in.
    let (table, encoding) = if word_letters(bytes, &WINDOWS_1252) > word_letters(bytes, &CP850) {
        (&WINDOWS_1252, TextEncoding::Windows1252)
    } else {
        (&CP850, TextEncoding::Cp850)
    };
    let text: String = bytes.iter().map(|&b| single_byte(b, table)).collect();
    let replaced = text
        .chars()
        .filter(|c| *c == char::REPLACEMENT_CHARACTER)
        .count();
    Decoded {
        text: Cow::Owned(text),
        encoding,
        replaced,
    }
}

/// One byte of a single-byte code page.
fn single_byte(b: u8, table: &[char; 128]) -> char {
    if b.is_ascii() {
        char::from(b)
    } else {
        table[usize::from(b - 0x80)]
    }
}

/// How well a code page reads the bytes: non-ASCII letters next to an ASCII letter count for it,
/// other non-ASCII characters (box drawing, punctuation, symbols) against it. Read from the bytes,
/// nothing decoded or copied.
fn word_letters(bytes: &[u8], table: &[char; 128]) -> isize {
    let mut score = 0isize;
    for (i, &b) in bytes.iter().enumerate() {
        if b.is_ascii() {
            continue;
        }
        let beside_letter = [i.checked_sub(1), i.checked_add(1)]
            .into_iter()
            .flatten()
            .filter_map(|j| bytes.get(j))
            .any(u8::is_ascii_alphabetic);
        if single_byte(b, table).is_alphabetic() && beside_letter {
            score += 1;
        } else {
            score -= 1;
        }
    }
    score
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(text: &str, bom: bool) -> Vec<u8> {
        let mut bytes = if bom { vec![0xFF, 0xFE] } else { Vec::new() };
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        bytes
    }

    #[test]
    fn every_encoding_is_detected_and_decoded() {
        let text = "Gerätestatus : Müller Straße\r\n";
        let utf8 = decode(text.as_bytes()).unwrap();
        assert_eq!((&*utf8.text, utf8.encoding), (text, TextEncoding::Utf8));
        let bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        assert_eq!(decode(&bom).unwrap().encoding, TextEncoding::Utf8Bom);
        for bom in [true, false] {
            let bytes = utf16le(text, bom);
            let le = decode(&bytes).unwrap();
            assert_eq!((&*le.text, le.encoding), (text, TextEncoding::Utf16Le));
        }
        let mut be = vec![0xFE, 0xFF];
        be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        let be = decode(&be).unwrap();
        assert_eq!((&*be.text, be.encoding), (text, TextEncoding::Utf16Be));
        // ä ü ß in code page 850 and in windows-1252.
        let oem = b"Ger\x84testatus : M\x81ller Stra\xE1e\r\n";
        let oem = decode(oem).unwrap();
        assert_eq!((&*oem.text, oem.encoding), (text, TextEncoding::Cp850));
        let ansi = b"Ger\xE4testatus : M\xFCller Stra\xDFe\r\n";
        let ansi = decode(ansi).unwrap();
        assert_eq!(
            (&*ansi.text, ansi.encoding),
            (text, TextEncoding::Windows1252)
        );
    }

    #[test]
    fn cut_and_binary_input() {
        let mut cut = utf16le("AzureAdJoined : YES", true);
        cut.pop();
        let cut = decode(&cut).unwrap();
        assert_eq!(cut.text, "AzureAdJoined : YE");
        assert_eq!(cut.replaced, 1);
        assert!(decode(b"ab\0cd").is_none(), "NUL: binary");
        assert!(decode(&[0xFF, 0xFE, 0, 0]).is_none());
        for len in 0..12 {
            let _ = decode(&vec![0xFE; len]);
            let _ = decode(&vec![0xFF; len]);
        }
    }
}
